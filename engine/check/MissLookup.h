#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "engine/crypto/KeyDigest.h"

namespace keywarden::engine {

// A key issued on another instance is in the store before this instance's change feed brings
// it (cluster.pollInterval). On a check that finds no key for a well-formed digest, the Verifier
// asks this class whether to look the digest up in the store at once, so the new key is VALID on
// the very next call (issue 14, "No cold caches across instances"). Random keys must not flood
// the store, so a look-up happens only when
// - the digest was not looked up in vain within the last `negativeMs` (a negative cache of the
//   last misses, kNegativeSlots of them, a newer miss replacing an older one in its slot), and
// - a token is left in a bucket of `perSecond` look-ups per second (bursts up to `perSecond`).
// `load` does the look-up and, when it finds the key, puts it in the KeyCache (the same
// upsertKey as the change feed); it runs on the checking thread, with no lock of this class or
// of the cache held. Thread-safe.
class MissLookup {
 public:
  using Loader = std::function<bool(const KeyDigest&)>;
  static constexpr size_t kNegativeSlots = 4096;

  MissLookup(Loader load, int64_t perSecond, int64_t negativeMs);

  // True when `d` was looked up now and found (the cache holds it); false when it was not
  // looked up (negative cache, no token left) or not found.
  bool tryLoad(const KeyDigest& d, int64_t nowMs);

  uint64_t lookups() const { return _lookups.load(std::memory_order_relaxed); }
  uint64_t found() const { return _found.load(std::memory_order_relaxed); }
  uint64_t skipped() const { return _skipped.load(std::memory_order_relaxed); }

 private:
  struct Miss {
    KeyDigest digest{};
    int64_t until = 0;
  };
  size_t slotOf(const KeyDigest& d) const;

  const Loader _load;
  const int64_t _perSecond;
  const int64_t _negativeMs;
  std::mutex _m;  // guards the bucket and the negative cache; never held across `_load`
  double _tokens;
  int64_t _refilledAt = 0;
  std::array<Miss, kNegativeSlots> _misses{};
  std::atomic<uint64_t> _lookups{0}, _found{0}, _skipped{0};
};

}  // namespace keywarden::engine
