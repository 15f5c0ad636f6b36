#pragma once

#include <cstddef>

#include "engine/check/KeyCache.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// Fills the key cache from the store at start-up on two threads: the caller's thread reads
// and decodes the rows (KeyRepository::loadForCache, in one read transaction) while a second
// thread inserts each decoded chunk into the cache (KeyCache::loadKeys), so the two halves
// of the work overlap on two cores. At most three chunks of `chunk` Keys exist at once; they
// are handed back and forth and refilled, so their strings are allocated once. Returns the
// number of keys loaded. Throws what the store or the cache threw (the other thread is
// stopped and joined first). Call before the check path starts serving.
class CacheWarmer {
 public:
  static size_t warm(Store& store, KeyCache& cache, size_t chunk = 8192);
};

}  // namespace keywarden::engine
