#include "engine/check/UsageFlusher.h"

#include <iostream>

#include "engine/check/StoreQuotaSource.h"

namespace keywarden::engine {

UsageFlusher::UsageFlusher(KeyCache& cache, Store& store, int64_t intervalMs)
    : _cache(cache), _store(store), _loop("kw-usage", intervalMs, [this, intervalMs] {
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

size_t UsageFlusher::flush() {
  std::vector<UsageDelta> deltas = _cache.takeUsage();
  if (deltas.empty()) return 0;
  try {
    _store.write([&](Transaction& tx) { tx.keys().addUsage(deltas); });
  } catch (const std::exception& ex) {
    // Counters are statistics: on failure they are put back and tried on the next tick.
    std::cerr << "usage flush failed: " << ex.what() << std::endl;
    _cache.restoreUsage(deltas);
    return 0;
  }
  return deltas.size();
}

}  // namespace keywarden::engine
