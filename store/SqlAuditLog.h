#pragma once

#include <Poco/Data/Session.h>

#include <vector>

#include "engine/ports/AuditLog.h"
#include "engine/ports/AuditQuery.h"
#include "store/Dialect.h"
#include "store/SqliteStatements.h"

namespace keywarden::store {

// The audit trail as a hash chain (engine/audit/AuditChain, docs/audit.md). append() keeps
// the rows in memory; flush(), called by the store just before COMMIT in the same
// transaction, takes the chain head row (`audit_chain`, locked with SELECT … FOR UPDATE on
// PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the one write lock), numbers the rows
// after it, hashes them, inserts them and moves the head. So the rows are chained in commit
// order across every instance sharing the database, the head is locked only for the last
// moments of a transaction (and always last, so it adds no lock cycle), and when any of it
// fails the whole transaction — the change the rows record included — rolls back (fail
// closed). Bound to one session for one transaction; not thread-safe.
class SqlAuditLog : public engine::AuditLog {
 public:
  // `q`: the session's statement cache (SQLite), which flush() then writes through.
  SqlAuditLog(Poco::Data::Session& s, const Dialect& d, SqliteStatements* q = nullptr)
      : _s(s), _d(d), _q(q) {}
  void append(const engine::AuditEntry& e) override;
  void appendMany(const std::vector<engine::AuditEntry>& entries) override;
  // Parameterized; only the filters that are set reach the WHERE clause, so the (object_type,
  // object_id) and (at) indexes serve it.
  std::vector<engine::AuditRecord> find(const engine::AuditQuery& q) override;
  // Writes the appended rows; throws Poco::Exception (or std::runtime_error when the chain
  // head is missing) so that the transaction rolls back.
  void flush();

 private:
  Poco::Data::Session& _s;
  const Dialect& _d;
  SqliteStatements* _q;
  std::vector<engine::AuditEntry> _pending;
};

}  // namespace keywarden::store
