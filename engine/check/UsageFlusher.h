#pragma once

#include <cstdint>

#include "engine/base/BackgroundLoop.h"
#include "engine/check/KeyCache.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// Writes the usage counters and lastUsedAt gathered by the check path to the store in one
// batch transaction per interval, off the request threads. On stop it flushes once more and
// returns the instance's unspent quota units to the store.
class UsageFlusher {
 public:
  UsageFlusher(KeyCache& cache, Store& store, int64_t intervalMs);
  ~UsageFlusher();
  UsageFlusher(const UsageFlusher&) = delete;
  UsageFlusher& operator=(const UsageFlusher&) = delete;

  void start();
  // Flushes, gives back unspent quota, and joins the thread.
  void stop();
  // One flush now; returns the number of keys written.
  size_t flush();

 private:
  KeyCache& _cache;
  Store& _store;
  BackgroundLoop _loop;  // flush() every intervalMs
};

}  // namespace keywarden::engine
