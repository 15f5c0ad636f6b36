#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/ports/AuditLog.h"

namespace keywarden::engine {

// What to read from the audit trail (AuditLog::find): every set field narrows it; rows come
// newest first, (at, id) descending. Paging is by keyset: the next page starts strictly before
// the last row shown (`beforeAt`, `beforeId`), so rows written meanwhile never shift a page.
struct AuditQuery {
  std::string tenant;      // "" any tenant (admins of every tenant only); else that tenant
  std::string objectType;  // "key", "application", "job", … ("" any)
  std::string objectId;    // with objectType: one object
  std::string actor;       // exactly as recorded ("token:tok_…", an e-mail, "scheduler")
  int64_t fromMs = 0;      // at >= fromMs
  int64_t toMs = std::numeric_limits<int64_t>::max();  // at < toMs
  int64_t beforeAt = std::numeric_limits<int64_t>::max();
  std::string beforeId;  // with beforeAt: (at, id) < (beforeAt, beforeId); "" none
  int limit = 50;        // rows at most (1…1000)
};

// One stored audit row: its id and what was recorded.
struct AuditRecord {
  std::string id;
  AuditEntry entry;
};

}  // namespace keywarden::engine
