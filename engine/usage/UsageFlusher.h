#pragma once

#include <atomic>
#include <cstdint>

#include "engine/base/BackgroundLoop.h"
#include "engine/base/Clock.h"
#include "engine/check/KeyCache.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// Writes the usage counters and lastUsedAt gathered by the check path to the store once per
// interval, off the request threads, in chunks of at most `chunkKeys` keys: one transaction
// per chunk adds its keys' counters and their outcomes to the usage history's minute buckets
// (UsageRepository). So a flush of 100 000 busy keys holds one chunk's deltas, rows and
// statements at a time, not all of them. Counts land in the UTC minute in which the flusher
// took them, at most one interval after the checks.
// Exactly once: a chunk's counts leave the cache when it is taken and are either committed in
// its transaction or, when that fails, put back (restoreUsage) and written by a later flush;
// keys not yet taken keep counting in the cache. A crash between chunks therefore keeps the
// committed chunks (counted once, never again) and loses only the counts still in memory —
// as any crash loses the counts of the current interval. A failed chunk ends the flush.
// On stop it flushes once more and returns the instance's unspent quota units to the store.
// Thread-safe: flush() may run beside the loop (both take the cache's counters).
class UsageFlusher {
 public:
  static constexpr size_t kChunkKeys = 2000;
  UsageFlusher(KeyCache& cache, Store& store, int64_t intervalMs, const Clock& clock,
               size_t chunkKeys = kChunkKeys);
  ~UsageFlusher();
  UsageFlusher(const UsageFlusher&) = delete;
  UsageFlusher& operator=(const UsageFlusher&) = delete;

  void start();
  // Flushes, gives back unspent quota, and joins the thread.
  void stop();
  // One flush now, chunk by chunk; returns the number of keys written. It takes at most as
  // many chunks as the cache holds keys (so checks arriving meanwhile cannot keep it going).
  size_t flush();
  // Transactions the flushes committed (one per chunk).
  uint64_t chunks() const { return _chunks.load(std::memory_order_relaxed); }
  // What the flushes cost so far (for /metrics and bench/usage.sh): flushes that wrote,
  // usage-history rows written, and wall time spent in them (ms, taking and writing).
  uint64_t flushes() const { return _flushes.load(std::memory_order_relaxed); }
  uint64_t rowsWritten() const { return _rows.load(std::memory_order_relaxed); }
  uint64_t flushMs() const { return _flushMs.load(std::memory_order_relaxed); }
  // The minute buckets of a batch taken at `now`: one row per key and outcome with a count.
  static std::vector<UsageRow> minuteRows(const std::vector<UsageDelta>& deltas, int64_t now);

 private:
  KeyCache& _cache;
  Store& _store;
  const Clock& _clock;
  // One chunk: taken, written in one transaction, or put back; false when it failed.
  bool writeChunk(std::vector<UsageDelta>& deltas);
  const size_t _chunkKeys;
  std::atomic<uint64_t> _flushes{0}, _rows{0}, _flushMs{0}, _chunks{0};
  BackgroundLoop _loop;  // flush() every intervalMs
};

}  // namespace keywarden::engine
