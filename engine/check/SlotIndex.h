#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace keywarden::engine {

// An open-addressing hash index from some key to a slot number in an array kept elsewhere:
// 4 bytes a cell, linear probing, at most half full, tombstones on erase. The caller supplies
// the hash and, per call, how to compare a slot's key, so the index stores no keys itself —
// the point is memory: a million keys cost ~8 MB here instead of ~60 MB of std::unordered_map
// nodes. Not thread-safe.
class SlotIndex {
 public:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  // The slot for which `matches(slot)` holds, among those stored under `hash`; kNone if none.
  template <typename Matches>
  uint32_t find(size_t hash, Matches&& matches) const {
    if (_cells.empty()) return kNone;
    size_t mask = _cells.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      uint32_t c = _cells[i];
      if (c == kNone) return kNone;
      if (c != kTomb && matches(c)) return c;
    }
  }

  // Adds `slot` under `hash`; `hashOf(slot)` re-hashes stored slots when the index grows.
  template <typename HashOf>
  void insert(size_t hash, uint32_t slot, HashOf&& hashOf) {
    if ((_used + 1) * 2 > _cells.size()) rebuild(std::max<size_t>(16, (_live + 1) * 4), hashOf);
    place(hash, slot);
    ++_used;
    ++_live;
  }

  // Removes `slot` (stored under `hash`); false if it was not there.
  bool erase(size_t hash, uint32_t slot) {
    if (_cells.empty()) return false;
    size_t mask = _cells.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      uint32_t c = _cells[i];
      if (c == kNone) return false;
      if (c == slot) {
        _cells[i] = kTomb;
        --_live;
        return true;
      }
    }
  }

  // Makes room for `n` slots in all without growing again.
  template <typename HashOf>
  void reserve(size_t n, HashOf&& hashOf) {
    if (n * 2 > _cells.size()) rebuild(n * 2 + 16, hashOf);
  }

  size_t size() const { return _live; }

 private:
  static constexpr uint32_t kTomb = 0xFFFFFFFEu;

  void place(size_t hash, uint32_t slot) {
    size_t mask = _cells.size() - 1;
    size_t i = hash & mask;
    while (_cells[i] != kNone && _cells[i] != kTomb) i = (i + 1) & mask;
    _cells[i] = slot;
  }

  template <typename HashOf>
  void rebuild(size_t atLeast, HashOf& hashOf) {
    size_t cap = 16;
    while (cap < atLeast) cap <<= 1;
    std::vector<uint32_t> old(cap, kNone);
    old.swap(_cells);
    for (uint32_t c : old)
      if (c != kNone && c != kTomb) place(hashOf(c), c);
    _used = _live;
  }

  std::vector<uint32_t> _cells;
  size_t _used = 0;  // live cells + tombstones
  size_t _live = 0;
};

}  // namespace keywarden::engine
