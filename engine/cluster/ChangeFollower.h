#pragma once

#include <cstdint>

#include "engine/access/TokenService.h"
#include "engine/base/BackgroundLoop.h"
#include "engine/base/Clock.h"
#include "engine/catalog/CatalogService.h"
#include "engine/keys/KeyService.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// Keeps this instance's cache coherent with changes other instances make on a shared database:
// every `intervalMs` it reads the change feed past the last sequence number it applied and
// re-reads the keys, clients and catalog named there (its own changes too, which is harmless
// and covers a commit whose hook never ran). One indexed query per interval, none per check.
class ChangeFollower {
 public:
  ChangeFollower(Store& store, const Clock& clock, KeyService& keys, CatalogService& catalog,
                 TokenService& tokens, int64_t intervalMs, int64_t keepMs = 3'600'000);
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
  KeyService& _keys;
  CatalogService& _catalog;
  TokenService& _tokens;
  const int64_t _intervalMs;
  const int64_t _keepMs;
  int64_t _seq = 0;  // the last sequence number applied; only the follower thread touches it
  int64_t _nextPurge = 0;
  BackgroundLoop _loop;  // step() every intervalMs
};

}  // namespace keywarden::engine
