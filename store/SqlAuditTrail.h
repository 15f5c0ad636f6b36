#pragma once

#include <Poco/Data/Session.h>

#include <cstdint>
#include <functional>
#include <string>

#include "engine/audit/AuditChain.h"
#include "store/Dialect.h"

namespace keywarden::store {

// The chain head as stored in `audit_chain` (migration 11): the last row's seq and hash, and
// how many rows from before the chain (seq 0) there were, and the newest one's time.
struct AuditChainHead {
  int64_t seq = 0;
  std::string hash;
  int64_t legacyRows = 0;
  int64_t legacyMaxAt = 0;
};

// Reads the audit trail for `keywarden audit verify` and `audit export`, page by page (the
// trail need not fit in memory), all inside one read-only transaction with one snapshot
// (REPEATABLE READ on PostgreSQL), so rows committed meanwhile are not half seen. Use one
// object per command, on a session of its own; not thread-safe. Throws Poco::Exception.
class SqlAuditTrail {
 public:
  SqlAuditTrail(Poco::Data::Session& s, const Dialect& d);
  ~SqlAuditTrail();

  AuditChainHead head();
  // Chained rows (seq > 0) with at >= `sinceAt` in (seq, id) order; stops when `fn` says false.
  void forEachChained(int64_t sinceAt,
                      const std::function<bool(const engine::ChainedAuditRow&)>& fn);
  // Rows from before the chain (seq 0) with at >= `sinceAt`, in (at, id) order.
  void forEachUnchained(int64_t sinceAt,
                        const std::function<bool(const engine::ChainedAuditRow&)>& fn);
  int64_t unchainedCount();

 private:
  void page(const std::string& where, int64_t sinceAt,
            const std::function<bool(const engine::ChainedAuditRow&)>& fn);
  Poco::Data::Session& _s;
  const Dialect& _d;
};

}  // namespace keywarden::store
