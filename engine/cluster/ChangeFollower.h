#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/base/BackgroundLoop.h"
#include "engine/base/Clock.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// What the follower asks of this instance's services when the feed names a change. The services
// (KeyService, CatalogService, TokenService) sit in folders above this one and publish through
// CachePublisher, so they are handed in as functions: app/Wiring connects them, tests may too.
struct FollowerTargets {
  // Everything again, the catalog first, then every key: the feed was purged past this instance.
  std::function<void()> reloadAll;
  // Before that transaction, outside the store's lock: each key's quota-account lease count
  // (KeyService::leaseCounts; the lock order make test-tsan checks).
  std::function<std::vector<uint64_t>(const std::vector<std::string>& keyIds)> leaseCounts;
  // Inside one write transaction: re-read these keys (with the lease counts taken before it)
  // and clients, and the catalog when `catalog`.
  std::function<void(Transaction&, const std::vector<std::string>& keyIds,
                     const std::vector<uint64_t>& leaseCounts,
                     const std::vector<std::string>& clientIds, bool catalog)>
      reload;
  // After that commit: hand back the quota units leased under a quota that changed.
  std::function<void(const std::vector<std::string>& keyIds)> returnOwed;
  // A revoked access token: forgotten, so its next use is looked up again (and refused).
  std::function<void(const std::string& tokenId)> forgetToken;
};

// Keeps this instance's cache coherent with changes other instances make on a shared database:
// every `intervalMs` it reads the change feed past the last sequence number it applied and
// re-reads the keys, clients and catalog named there (its own changes too, which is harmless
// and covers a commit whose hook never ran). One indexed query per interval, none per check.
class ChangeFollower {
 public:
  ChangeFollower(Store& store, const Clock& clock, FollowerTargets targets, int64_t intervalMs,
                 int64_t keepMs = 3'600'000);
  ~ChangeFollower();
  ChangeFollower(const ChangeFollower&) = delete;
  ChangeFollower& operator=(const ChangeFollower&) = delete;

  // Remembers where the feed stands; call before the cache is loaded, so nothing committed
  // during the load is missed (applying a change twice is harmless).
  void mark();
  void start();
  void stop();
  // Applies what other instances changed since the last call; returns the number of changes.
  size_t poll();

 private:
  // One round of the follower's thread: poll(), and now and then the purge.
  int64_t step();

  Store& _store;
  const Clock& _clock;
  const FollowerTargets _targets;
  const int64_t _intervalMs;
  const int64_t _keepMs;
  int64_t _seq = 0;  // the last sequence number applied; only the follower thread touches it
  int64_t _nextPurge = 0;
  BackgroundLoop _loop;  // step() every intervalMs
};

}  // namespace keywarden::engine
