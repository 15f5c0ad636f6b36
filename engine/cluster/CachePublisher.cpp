#include "engine/cluster/CachePublisher.h"

#include "engine/base/Ids.h"

namespace keywarden::engine {

void CachePublisher::key(Transaction& tx, const Key& k, int64_t now) const {
  tx.changes().record(ChangeKind::Key, k.id, Ids::instance(), now);
  tx.afterCommit([&cache = _cache, k] { cache.upsertKey(k); });
}

void CachePublisher::keysRemoved(Transaction& tx, const std::vector<std::string>& ids,
                                 int64_t now) const {
  if (ids.empty()) return;
  tx.changes().recordMany(ChangeKind::Key, ids, Ids::instance(), now);
  tx.afterCommit([&cache = _cache, ids] { cache.removeKeys(ids); });
}

void CachePublisher::client(Transaction& tx, const Client& c, int64_t now) const {
  tx.changes().record(ChangeKind::Client, c.id, Ids::instance(), now);
  tx.afterCommit([&cache = _cache, c] { cache.upsertClient(c); });
}

void CachePublisher::clientRemoved(Transaction& tx, const std::string& id, int64_t now) const {
  tx.changes().record(ChangeKind::Client, id, Ids::instance(), now);
  tx.afterCommit([&cache = _cache, id] { cache.removeClient(id); });
}

void CachePublisher::catalog(Transaction& tx, std::shared_ptr<const ApiCatalog> compiled,
                             uint64_t generation, int64_t now) const {
  tx.changes().record(ChangeKind::Catalog, "", Ids::instance(), now);
  tx.afterCommit(
      [&cache = _cache, compiled, generation] { cache.setCatalog(compiled, generation); });
}

}  // namespace keywarden::engine
