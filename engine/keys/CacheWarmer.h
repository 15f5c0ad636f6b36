#pragma once

#include <cstddef>

#include "engine/check/KeyCache.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// Fills the key cache from the store at start-up on two threads: the caller's thread reads
// and decodes the rows (KeyRepository::loadForCache, inside a read transaction; on a SQLite
// file the scan is its own snapshot on a second connection, so it may be later than the
// transaction's: callers mark the change feed before the load, and what commits in between is
// applied again) while a second thread inserts each decoded chunk into the cache
// (KeyCache::loadKeys), so the two halves of the work overlap on two cores. The cache's indexes
// are sized once from KeyRepository::countAll first. At most three chunks of `chunk` Keys exist
// at once; they are handed back and forth and refilled, so their strings are allocated once.
// Returns the number of keys loaded. Throws what the store or the cache threw (the other thread
// is stopped and joined first). Call before the check path starts serving.
class CacheWarmer {
 public:
  static size_t warm(Store& store, KeyCache& cache, size_t chunk = 8192);
};

}  // namespace keywarden::engine
