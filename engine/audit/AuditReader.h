#pragma once

#include <string>
#include <vector>

#include "engine/base/Result.h"
#include "engine/model/AccessToken.h"
#include "engine/ports/AuditQuery.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// One page of the audit trail, newest first; `more` when older rows match too (ask again with
// beforeAt/beforeId set to the last row's at and id).
struct AuditPage {
  std::vector<AuditRecord> rows;
  bool more = false;
};

// Reads the audit trail for the admin console (/admin/audit, a key's history). Admins only; an
// admin scoped to a tenant reads that tenant's rows alone (rows recorded without a tenant —
// tokens, mail, sessions, jobs — are for admins of every tenant). Rows never hold a key, token
// or link (they are written so: secrets appear only as HMACs), so nothing is hidden here.
// Thread-safe.
class AuditReader {
 public:
  explicit AuditReader(Store& store) : _store(store) {}
  // 403 FORBIDDEN_ROLE for a non-admin; 403 TENANT_FORBIDDEN when a tenant admin asks for
  // another tenant; 400 INVALID_RANGE (field `to`) when `to` is not after `from`.
  Result<AuditPage> page(const Principal& p, AuditQuery q);

 private:
  Store& _store;
};

}  // namespace keywarden::engine
