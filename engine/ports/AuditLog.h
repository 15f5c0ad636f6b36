#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keywarden::engine {

// One row of the audit trail. `detail` is a JSON object; secrets never appear in it.
struct AuditEntry {
  int64_t at = 0;
  std::string actor;
  std::string action;
  std::string objectType;
  std::string objectId;
  std::string tenant;
  std::string detail = "{}";
};

struct AuditQuery;   // engine/ports/AuditQuery.h
struct AuditRecord;  // engine/ports/AuditQuery.h

// Append-only; written in the transaction of the change it records.
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual void append(const AuditEntry& e) = 0;
  virtual void appendMany(const std::vector<AuditEntry>& entries) = 0;
  // Committed rows matching `q`, newest first, at most q.limit (the console's audit pages).
  virtual std::vector<AuditRecord> find(const AuditQuery& q) = 0;
};

}  // namespace keywarden::engine
