#include "engine/usage/UsageFlusher.h"

#include <chrono>
#include <iostream>
#include <tuple>

#include "engine/check/StoreQuotaSource.h"
#include "engine/check/VerifyCode.h"

namespace keywarden::engine {

UsageFlusher::UsageFlusher(KeyCache& cache, Store& store, int64_t intervalMs, const Clock& clock,
                           size_t chunkKeys)
    : _cache(cache),
      _store(store),
      _clock(clock),
      _chunkKeys(chunkKeys > 0 ? chunkKeys : 1),
      _loop("kw-usage", intervalMs, [this, intervalMs] {
        flush();
        return intervalMs;
      }) {}

UsageFlusher::~UsageFlusher() {
  stop();
}

void UsageFlusher::start() {
  _loop.start();
}

void UsageFlusher::stop() {
  if (!_loop.stop()) return;  // stopped already
  flush();
  StoreQuotaSource source(_store);
  _cache.forEachAccount([&](QuotaAccount& a) { a.giveBack(source); });
}

static_assert(static_cast<int>(VerifyCode::Revoked) == RejectCounts::kFirst &&
                  RejectCounts::kFirst + RejectCounts::kCount ==
                      static_cast<int>(VerifyCode::UsageExceeded) + 1 &&
                  // TOO_MANY_ATTEMPTS is answered before any key is looked up: no key's usage.
                  static_cast<int>(VerifyCode::TooManyAttempts) == kVerifyCodeCount - 1 &&
                  std::tuple_size<decltype(UsageDelta::rejectedBy)>::value == RejectCounts::kCount,
              "UsageDelta::rejectedBy follows VerifyCode from REVOKED to USAGE_EXCEEDED");

std::vector<UsageRow> UsageFlusher::minuteRows(const std::vector<UsageDelta>& deltas, int64_t now) {
  const int64_t width = usageGrainMs(UsageGrain::Minute);
  const int64_t start = now - ((now % width) + width) % width;
  std::vector<UsageRow> rows;
  rows.reserve(deltas.size());
  auto add = [&](const UsageDelta& d, VerifyCode code, int64_t n) {
    if (n <= 0) return;
    rows.push_back({d.keyId, d.clientId, d.tenant, start, std::string(verifyCodeName(code)), n});
  };
  for (const auto& d : deltas) {
    add(d, VerifyCode::Valid, d.valid);
    for (int i = 0; i < RejectCounts::kCount; ++i)
      add(d, static_cast<VerifyCode>(RejectCounts::kFirst + i), d.rejectedBy[i]);
  }
  return rows;
}

namespace {
// begin/endUsageFlush around one chunk, however it ends.
struct InFlight {
  explicit InFlight(KeyCache& c) : cache(c) { cache.beginUsageFlush(); }
  ~InFlight() { cache.endUsageFlush(); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  KeyCache& cache;
};
}  // namespace

bool UsageFlusher::writeChunk(std::vector<UsageDelta>& deltas) {
  std::vector<UsageRow> rows = minuteRows(deltas, _clock.nowMs());
  try {
    _store.write([&](Transaction& tx) {
      tx.keys().addUsage(deltas);
      tx.usage().add(UsageGrain::Minute, rows);
    });
  } catch (const std::exception& ex) {
    // Counters are statistics: on failure they are put back and tried on the next tick.
    std::cerr << "usage flush failed: " << ex.what() << std::endl;
    _cache.restoreUsage(deltas);
    return false;
  }
  _chunks.fetch_add(1, std::memory_order_relaxed);
  _rows.fetch_add(rows.size(), std::memory_order_relaxed);
  return true;
}

size_t UsageFlusher::flush() {
  auto t0 = std::chrono::steady_clock::now();
  size_t written = 0;
  size_t rounds = _cache.size() / _chunkKeys + 1;
  for (size_t i = 0; i < rounds; ++i) {
    std::vector<UsageDelta> deltas;
    {
      // Readers that add stored and counted usage wait while a chunk is out of the cache and
      // not yet committed (KeyCache::usageEpoch).
      InFlight bracket(_cache);
      deltas = _cache.takeUsage(_chunkKeys);
      if (deltas.empty() || !writeChunk(deltas)) break;
    }
    written += deltas.size();
    if (deltas.size() < _chunkKeys) break;
  }
  if (written == 0) return 0;
  _flushes.fetch_add(1, std::memory_order_relaxed);
  _flushMs.fetch_add(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count(),
      std::memory_order_relaxed);
  return written;
}

}  // namespace keywarden::engine
