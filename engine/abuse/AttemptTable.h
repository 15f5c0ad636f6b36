#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/abuse/AttemptKey.h"

namespace keywarden::engine {

// Failed attempts per key (a client address or a key's start) in fixed windows, and the blocks
// they earn (README "Brute force and abuse"). The table has a fixed number of slots, set at
// construction, and never grows: a flood of new keys replaces the entries that matter least
// (the fewest failures in the current window, then the longest unseen) and never an entry that
// is blocked. A key whose every candidate slot is blocked is not counted (untracked()).
//
// Lock-free: every field is an atomic, a key is found by a 64-bit keyed hash (SipHash-2-4 under
// a random seed, so a client cannot aim at a slot) in a window of kProbe slots. Counting
// allocates nothing. Under races the counts are approximate by at most the attempts in flight
// when an entry is replaced. Times are milliseconds from the caller's clock. Thread-safe.
class AttemptTable {
 public:
  static constexpr size_t kProbe = 8;

  struct Limits {
    int failures = 20;         // blocked once a window holds this many (0: never blocked)
    int64_t windowMs = 60000;  // fixed windows of this length
    int64_t blockMs = 300000;  // how long a block lasts
  };
  // What fail() did.
  struct Counted {
    bool tracked = false;       // false: no slot could hold the key (table full of blocks)
    int inWindow = 0;           // failures in the current window, this one included
    bool blockStarted = false;  // this failure started a block (once per episode)
    int64_t blockedUntil = 0;   // when the block ends (0: not blocked)
    int64_t firstSeen = 0;      // the entry's first failure
  };
  // One entry as the bad-attempts view shows it.
  struct Entry {
    std::string key;
    uint64_t failures = 0;  // since firstSeen
    int inWindow = 0;       // in the current window
    uint64_t refused = 0;   // answered blocked, without a check
    int64_t firstSeen = 0, lastSeen = 0;
    int64_t blockedUntil = 0;  // 0: not blocked now
  };

  // `slots` is rounded up to a power of two (at least kProbe).
  AttemptTable(size_t slots, Limits limits);
  AttemptTable(const AttemptTable&) = delete;
  AttemptTable& operator=(const AttemptTable&) = delete;

  // Counts one failure of `key` at `now`.
  Counted fail(const AttemptKey& key, int64_t now);
  // When `key`'s block ends, or 0 when it is not blocked at `now`. Counts the refusal the
  // caller is about to give when `countRefusal` (and the key is blocked). Read-only otherwise.
  int64_t blockedUntil(const AttemptKey& key, int64_t now, bool countRefusal = false);
  // Failures of `key` in the window that holds `now` (0 when unknown).
  int inWindow(const AttemptKey& key, int64_t now) const;

  // The entries with at least one failure (or blocked), at `now`. Not a consistent snapshot:
  // each entry is read on its own. Allocates; for the admin view only.
  std::vector<Entry> entries(int64_t now) const;

  // How many keys are blocked at `now` (a scan of the table; allocates nothing).
  size_t blockedCount(int64_t now) const;

  size_t slots() const { return _mask + 1; }
  const Limits& limits() const { return _limits; }
  // Failures that could not be counted because every candidate slot was blocked.
  uint64_t untracked() const { return _untracked.load(std::memory_order_relaxed); }
  // Bytes the table holds (fixed at construction).
  size_t bytes() const { return slots() * sizeof(Slot); }

 private:
  static constexpr size_t kWords = AttemptKey::kMax / 8;
  static constexpr uint64_t kClaiming = 1;  // a slot being filled; never a real tag
  struct Slot {
    std::atomic<uint64_t> tag{0};     // 0: empty; kClaiming; else the key's hash | 2
    std::atomic<uint64_t> window{0};  // window index << 32 | failures in it
    std::atomic<int64_t> blockedUntil{0};
    std::atomic<int64_t> firstSeen{0};
    std::atomic<int64_t> lastSeen{0};
    std::atomic<uint64_t> failures{0};
    std::atomic<uint64_t> refused{0};
    std::atomic<uint64_t> text[kWords];  // the key's bytes (for the view), 0-padded
    std::atomic<uint8_t> length{0};
  };

  uint64_t tagOf(const AttemptKey& key) const;
  Slot* find(uint64_t tag) const;
  Slot* claim(const AttemptKey& key, uint64_t tag, int64_t now);
  int windowCount(const Slot& s, int64_t now) const;
  uint64_t windowIndex(int64_t now) const {
    return now <= 0 ? 0 : static_cast<uint64_t>(now / _limits.windowMs);
  }

  const Limits _limits;
  const size_t _mask;
  uint64_t _k0, _k1;  // the hash seed
  std::unique_ptr<Slot[]> _slots;
  std::atomic<uint64_t> _untracked{0};
};

}  // namespace keywarden::engine
