#include "engine/check/UsageFlusher.h"

#include <chrono>
#include <iostream>

#include "engine/base/BackgroundThread.h"
#include "engine/check/StoreQuotaSource.h"

namespace keywarden::engine {

UsageFlusher::UsageFlusher(KeyCache& cache, Store& store, int64_t intervalMs)
    : _cache(cache), _store(store), _intervalMs(intervalMs) {}

UsageFlusher::~UsageFlusher() {
  stop();
}

void UsageFlusher::start() {
  _thread = std::thread([this] {
    markBackgroundThread("kw-usage");
    run();
  });
}

void UsageFlusher::stop() {
  {
    std::lock_guard<std::mutex> lock(_m);
    if (_stopping && !_thread.joinable()) return;
    _stopping = true;
  }
  _cv.notify_all();
  if (_thread.joinable()) _thread.join();
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

void UsageFlusher::run() {
  std::unique_lock<std::mutex> lock(_m);
  while (!_stopping) {
    _cv.wait_for(lock, std::chrono::milliseconds(_intervalMs), [this] { return _stopping; });
    if (_stopping) break;
    lock.unlock();
    flush();
    lock.lock();
  }
}

}  // namespace keywarden::engine
