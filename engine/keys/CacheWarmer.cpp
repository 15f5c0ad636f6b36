#include "engine/keys/CacheWarmer.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace keywarden::engine {

namespace {

// Chunks between the reading thread and the inserting thread: `full` waits to be inserted,
// `empty` waits to be refilled. Both sides block on one condition variable.
struct Handoff {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::vector<Key>> full;
  std::vector<std::vector<Key>> empty;
  bool done = false;  // the reader finished (or failed)
  std::exception_ptr insertError;
};

// The inserting thread: takes filled chunks until the reader is done, inserts each, and hands
// the emptied vector back for refilling; an insert's exception stops it and is kept for warm().
void insertChunks(Handoff& h, KeyCache& cache, bool fresh, size_t& loaded) {
  for (;;) {
    std::vector<Key> keys;
    {
      std::unique_lock<std::mutex> lock(h.mu);
      h.cv.wait(lock, [&] { return !h.full.empty() || h.done; });
      if (h.full.empty()) return;
      keys.swap(h.full.front());
      h.full.pop_front();
    }
    try {
      cache.loadKeys(keys, fresh);
    } catch (...) {
      std::lock_guard<std::mutex> lock(h.mu);
      h.insertError = std::current_exception();
      h.cv.notify_all();
      return;
    }
    std::lock_guard<std::mutex> lock(h.mu);
    loaded += keys.size();
    h.empty.push_back(std::move(keys));
    h.cv.notify_all();
  }
}

}  // namespace

size_t CacheWarmer::warm(Store& store, KeyCache& cache, size_t chunk) {
  Handoff h;
  h.empty.resize(2);  // with the one the reader holds: three chunks in all
  size_t loaded = 0;
  // Into an empty cache, the store's primary key vouches that every id is new.
  const bool fresh = cache.size() == 0;
  std::thread inserter([&] { insertChunks(h, cache, fresh, loaded); });
  auto finish = [&] {
    {
      std::lock_guard<std::mutex> lock(h.mu);
      h.done = true;
    }
    h.cv.notify_all();
    inserter.join();
  };
  try {
    store.read([&](Transaction& tx) {
      // Sized once for what is there (plus what may commit during the load): the indexes never
      // rebuild under the inserting thread. Keys committed meanwhile only cost a late rebuild.
      // (A reload finds most of them cached already: the larger count, not the sum.)
      const size_t expected = tx.keys().countAll();
      cache.reserve(std::max(cache.size(), expected) + expected / 64);
      tx.keys().loadForCache(chunk, [&](std::vector<Key>& keys) {
        std::unique_lock<std::mutex> lock(h.mu);
        h.cv.wait(lock, [&] { return !h.empty.empty() || h.insertError; });
        if (h.insertError) std::rethrow_exception(h.insertError);
        // Hand the filled chunk over; take an emptied one (its capacity) to refill.
        std::vector<Key> spare = std::move(h.empty.back());
        h.empty.pop_back();
        h.full.push_back(std::move(keys));
        keys = std::move(spare);
        h.cv.notify_all();
      });
    });
  } catch (...) {
    finish();
    throw;
  }
  finish();
  if (h.insertError) std::rethrow_exception(h.insertError);
  return loaded;
}

}  // namespace keywarden::engine
