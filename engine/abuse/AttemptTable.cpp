#include "engine/abuse/AttemptTable.h"

#include <algorithm>
#include <cstring>

#include "engine/crypto/Crypto.h"

namespace keywarden::engine {

namespace {
constexpr uint64_t rotl(uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

// SipHash-2-4 (Aumasson and Bernstein, 2012) of `data` under the key (k0, k1).
uint64_t sipHash(uint64_t k0, uint64_t k1, const char* data, size_t n) {
  uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
  auto round = [&] {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  };
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t m;
    std::memcpy(&m, data + i, 8);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  uint64_t last = static_cast<uint64_t>(n) << 56;
  for (size_t j = 0; i + j < n; ++j)
    last |= static_cast<uint64_t>(static_cast<unsigned char>(data[i + j])) << (8 * j);
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  for (int r = 0; r < 4; ++r) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

size_t roundUp(size_t n) {
  size_t p = AttemptTable::kProbe;
  while (p < n) p <<= 1;
  return p;
}
}  // namespace

AttemptTable::AttemptTable(size_t slots, Limits limits)
    : _limits(limits), _mask(roundUp(slots) - 1), _slots(new Slot[_mask + 1]) {
  uint8_t seed[16];
  Crypto::randomBytes(seed, sizeof seed);
  std::memcpy(&_k0, seed, 8);
  std::memcpy(&_k1, seed + 8, 8);
}

uint64_t AttemptTable::tagOf(const AttemptKey& key) const {
  std::string_view v = key.view();
  return sipHash(_k0, _k1, v.data(), v.size()) | 2;  // never 0 (empty) nor 1 (claiming)
}

AttemptTable::Slot* AttemptTable::find(uint64_t tag) const {
  size_t at = static_cast<size_t>(tag >> 2) & _mask;
  for (size_t i = 0; i < kProbe; ++i) {
    Slot& s = _slots[(at + i) & _mask];
    uint64_t t = s.tag.load(std::memory_order_acquire);
    if (t == tag) return &s;
    if (t == 0) return nullptr;  // slots fill in probe order and are never emptied
  }
  return nullptr;
}

int AttemptTable::windowCount(const Slot& s, int64_t now) const {
  uint64_t w = s.window.load(std::memory_order_relaxed);
  return (w >> 32) == (windowIndex(now) & 0xffffffffULL) ? static_cast<int>(w & 0xffffffffULL) : 0;
}

AttemptTable::Slot* AttemptTable::claim(const AttemptKey& key, uint64_t tag, int64_t now) {
  size_t at = static_cast<size_t>(tag >> 2) & _mask;
  for (int attempt = 0; attempt < 4; ++attempt) {
    // The first empty slot of the window; else the entry that matters least: not blocked, the
    // fewest failures in the current window, then the longest unseen.
    Slot* victim = nullptr;
    uint64_t victimTag = 0;
    int victimCount = 0;
    int64_t victimSeen = 0;
    for (size_t i = 0; i < kProbe; ++i) {
      Slot& s = _slots[(at + i) & _mask];
      uint64_t t = s.tag.load(std::memory_order_acquire);
      if (t == tag) return &s;  // someone else just claimed it for this key
      if (t == 0) {
        victim = &s;
        victimTag = 0;
        break;
      }
      if (t == kClaiming || s.blockedUntil.load(std::memory_order_relaxed) > now) continue;
      int c = windowCount(s, now);
      int64_t seen = s.lastSeen.load(std::memory_order_relaxed);
      if (!victim || c < victimCount || (c == victimCount && seen < victimSeen)) {
        victim = &s;
        victimTag = t;
        victimCount = c;
        victimSeen = seen;
      }
    }
    if (!victim) return nullptr;  // every candidate is blocked or being filled
    if (!victim->tag.compare_exchange_strong(victimTag, kClaiming, std::memory_order_acq_rel))
      continue;  // another thread took it first: look again
    victim->window.store(0, std::memory_order_relaxed);
    victim->blockedUntil.store(0, std::memory_order_relaxed);
    victim->firstSeen.store(now, std::memory_order_relaxed);
    victim->lastSeen.store(now, std::memory_order_relaxed);
    victim->failures.store(0, std::memory_order_relaxed);
    victim->refused.store(0, std::memory_order_relaxed);
    char padded[AttemptKey::kMax] = {};
    std::string_view v = key.view();
    std::memcpy(padded, v.data(), v.size());
    for (size_t w = 0; w < kWords; ++w) {
      uint64_t word;
      std::memcpy(&word, padded + 8 * w, 8);
      victim->text[w].store(word, std::memory_order_relaxed);
    }
    victim->length.store(static_cast<uint8_t>(v.size()), std::memory_order_relaxed);
    victim->tag.store(tag, std::memory_order_release);
    return victim;
  }
  return nullptr;
}

AttemptTable::Counted AttemptTable::fail(const AttemptKey& key, int64_t now) {
  Counted out;
  uint64_t tag = tagOf(key);
  Slot* s = find(tag);
  if (!s) s = claim(key, tag, now);
  if (!s) {
    _untracked.fetch_add(1, std::memory_order_relaxed);
    return out;
  }
  out.tracked = true;
  const uint64_t index = windowIndex(now) & 0xffffffffULL;
  uint64_t w = s->window.load(std::memory_order_relaxed);
  uint64_t next;
  do {
    uint64_t count = (w >> 32) == index ? (w & 0xffffffffULL) : 0;
    if (count < 0xffffffffULL) ++count;
    next = (index << 32) | count;
  } while (!s->window.compare_exchange_weak(w, next, std::memory_order_relaxed));
  out.inWindow = static_cast<int>(std::min<uint64_t>(next & 0xffffffffULL, 0x7fffffff));
  s->failures.fetch_add(1, std::memory_order_relaxed);
  // lastSeen only moves forward (clocks may disagree by a little between threads).
  int64_t seen = s->lastSeen.load(std::memory_order_relaxed);
  while (seen < now && !s->lastSeen.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
  }
  out.firstSeen = s->firstSeen.load(std::memory_order_relaxed);
  int64_t until = s->blockedUntil.load(std::memory_order_relaxed);
  if (until > now) {
    out.blockedUntil = until;
  } else if (_limits.failures > 0 && out.inWindow >= _limits.failures) {
    // One thread starts the episode; the others see its block.
    int64_t mine = now + _limits.blockMs;
    if (s->blockedUntil.compare_exchange_strong(until, mine, std::memory_order_relaxed)) {
      out.blockStarted = true;
      out.blockedUntil = mine;
    } else {
      out.blockedUntil = until > now ? until : 0;
    }
  }
  return out;
}

int64_t AttemptTable::blockedUntil(const AttemptKey& key, int64_t now, bool countRefusal) {
  Slot* s = find(tagOf(key));
  if (!s) return 0;
  int64_t until = s->blockedUntil.load(std::memory_order_relaxed);
  if (until <= now) return 0;
  if (countRefusal) {
    s->refused.fetch_add(1, std::memory_order_relaxed);
    int64_t seen = s->lastSeen.load(std::memory_order_relaxed);
    if (seen < now) s->lastSeen.compare_exchange_weak(seen, now, std::memory_order_relaxed);
  }
  return until;
}

int AttemptTable::inWindow(const AttemptKey& key, int64_t now) const {
  Slot* s = find(tagOf(key));
  return s ? windowCount(*s, now) : 0;
}

size_t AttemptTable::blockedCount(int64_t now) const {
  size_t n = 0;
  for (size_t i = 0; i <= _mask; ++i) {
    uint64_t t = _slots[i].tag.load(std::memory_order_relaxed);
    if (t != 0 && t != kClaiming && _slots[i].blockedUntil.load(std::memory_order_relaxed) > now)
      ++n;
  }
  return n;
}

std::vector<AttemptTable::Entry> AttemptTable::entries(int64_t now) const {
  std::vector<Entry> out;
  for (size_t i = 0; i <= _mask; ++i) {
    const Slot& s = _slots[i];
    uint64_t t = s.tag.load(std::memory_order_acquire);
    if (t == 0 || t == kClaiming) continue;
    Entry e;
    char text[AttemptKey::kMax];
    for (size_t w = 0; w < kWords; ++w) {
      uint64_t word = s.text[w].load(std::memory_order_relaxed);
      std::memcpy(text + 8 * w, &word, 8);
    }
    size_t n = std::min<size_t>(s.length.load(std::memory_order_relaxed), AttemptKey::kMax);
    e.failures = s.failures.load(std::memory_order_relaxed);
    e.inWindow = windowCount(s, now);
    e.refused = s.refused.load(std::memory_order_relaxed);
    e.firstSeen = s.firstSeen.load(std::memory_order_relaxed);
    e.lastSeen = s.lastSeen.load(std::memory_order_relaxed);
    int64_t until = s.blockedUntil.load(std::memory_order_relaxed);
    e.blockedUntil = until > now ? until : 0;
    if (s.tag.load(std::memory_order_acquire) != t) continue;  // replaced while read
    if (e.failures == 0 && e.blockedUntil == 0) continue;
    e.key.assign(text, n);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace keywarden::engine
