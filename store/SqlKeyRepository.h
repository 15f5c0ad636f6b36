#pragma once

#include <Poco/Data/Session.h>

#include "engine/ports/KeyRepository.h"
#include "store/Dialect.h"
#include "store/SqliteStatements.h"

namespace keywarden::store {

// KeyRepository over one open session (the transaction's).
class SqlKeyRepository : public engine::KeyRepository {
 public:
  SqlKeyRepository(Poco::Data::Session& s, const Dialect& d, SqliteStatements* q = nullptr)
      : _s(s), _q(q), _d(d) {}

  void insert(const engine::Key& k) override;
  void updateDefinition(const engine::Key& k) override;
  void adjustRemaining(const std::string& id, int64_t delta) override;
  std::optional<engine::Key> find(const std::string& id) override;
  std::vector<engine::Key> list(const engine::KeyFilter& f) override;
  size_t countAll() override;
  void loadForCache(size_t chunk,
                    const std::function<void(std::vector<engine::Key>&)>& fn) override;
  std::vector<engine::Key> findForCache(const std::vector<std::string>& ids) override;
  std::vector<engine::Key> findForCacheByDigest(const std::string& digestHex) override;
  std::vector<engine::Key> expire(const std::vector<std::string>& ids, int64_t now) override;
  void restartQuota(const std::string& id, int64_t remaining, int64_t now) override;
  void relabelCount(const std::string& id, int64_t periodStart) override;
  engine::StoredQuota takeRemaining(const std::string& id) override;
  engine::QuotaLease leaseQuota(const std::string& id, int64_t want, int64_t periodStart,
                                int64_t returning) override;
  void returnQuota(const std::string& id, int64_t units, int64_t periodStart) override;
  void addUsage(const std::vector<engine::UsageDelta>& deltas) override;
  std::vector<std::string> purge(int64_t before) override;

 private:
  struct QuotaRow {
    std::string id;  // the lineage's newest key: where its quota lives
    bool found = false;
    int64_t remaining = 0, refilledAt = 0, refillAmount = 0;
    std::string interval;
  };
  // Locks the row holding the quota of key `id`'s lineage and reads its count.
  QuotaRow lockLineage(const std::string& id);
  // The cache's columns of the rows matching `where` (its `$k`/`?` bound to `ids`), `chunk` at
  // a time.
  void cacheRows(const std::string& where, const std::vector<std::string>& ids, size_t chunk,
                 const std::function<void(std::vector<engine::Key>&)>& fn);
  Poco::Data::Session& _s;
  SqliteStatements* _q;  // SQLite: the session's statement cache (hot statements); else null
  const Dialect& _d;
};

}  // namespace keywarden::store
