#pragma once

#include <atomic>
#include <cstdint>

#include "engine/base/BackgroundLoop.h"
#include "engine/base/Clock.h"
#include "engine/check/KeyCache.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// Writes the usage counters and lastUsedAt gathered by the check path to the store in one
// batch transaction per interval, off the request threads. The same transaction adds the
// interval's outcomes per key to the usage history's minute buckets (UsageRepository): counts
// land in the UTC minute in which the flusher took them, at most one interval after the
// checks. On stop it flushes once more and returns the instance's unspent quota units to the
// store. Thread-safe: flush() may run beside the loop (both take the cache's counters).
class UsageFlusher {
 public:
  UsageFlusher(KeyCache& cache, Store& store, int64_t intervalMs, const Clock& clock);
  ~UsageFlusher();
  UsageFlusher(const UsageFlusher&) = delete;
  UsageFlusher& operator=(const UsageFlusher&) = delete;

  void start();
  // Flushes, gives back unspent quota, and joins the thread.
  void stop();
  // One flush now; returns the number of keys written.
  size_t flush();
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
  std::atomic<uint64_t> _flushes{0}, _rows{0}, _flushMs{0};
  BackgroundLoop _loop;  // flush() every intervalMs
};

}  // namespace keywarden::engine
