#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/check/ApiCatalog.h"
#include "engine/check/KeyCache.h"
#include "engine/model/Client.h"
#include "engine/model/Key.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// Both halves of publishing a change to the check path's cache, in one place: the change-feed
// row written in the changing transaction (so other instances reload the object: cluster/
// ChangeFollower reads it) and this instance's cache update run after that transaction
// commits (never if it rolls back, so the cache never gets ahead of the store).
// Holds references only; as thread-safe as the Transaction it is handed (one per call).
class CachePublisher {
 public:
  explicit CachePublisher(KeyCache& cache) : _cache(cache) {}

  // Each records the change at `now` (epoch ms, UTC).
  void key(Transaction& tx, const Key& k, int64_t now) const;
  // Keys deleted from the store (a purge).
  void keysRemoved(Transaction& tx, const std::vector<std::string>& ids, int64_t now) const;
  void client(Transaction& tx, const Client& c, int64_t now) const;
  void clientRemoved(Transaction& tx, const std::string& id, int64_t now) const;
  // The API catalog compiled as `tx` sees it; `generation` orders concurrent publications.
  void catalog(Transaction& tx, std::shared_ptr<const ApiCatalog> compiled, uint64_t generation,
               int64_t now) const;

 private:
  KeyCache& _cache;
};

}  // namespace keywarden::engine
