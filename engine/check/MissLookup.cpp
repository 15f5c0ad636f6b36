#include "engine/check/MissLookup.h"

#include <algorithm>

#include "engine/ports/NoBlockingStore.h"

namespace keywarden::engine {

MissLookup::MissLookup(Loader load, int64_t perSecond, int64_t negativeMs)
    : _load(std::move(load)),
      _perSecond(std::max<int64_t>(1, perSecond)),
      _negativeMs(negativeMs),
      _tokens(static_cast<double>(_perSecond)) {}

size_t MissLookup::slotOf(const KeyDigest& d) const {
  return KeyDigestHash()(d) % kNegativeSlots;
}

bool MissLookup::tryLoad(const KeyDigest& d, int64_t nowMs) {
  const size_t slot = slotOf(d);
  {
    std::lock_guard<std::mutex> lock(_m);
    if (_misses[slot].digest == d && _misses[slot].until > nowMs) {
      _skipped.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    if (_refilledAt == 0) _refilledAt = nowMs;
    if (nowMs > _refilledAt) {
      _tokens = std::min(static_cast<double>(_perSecond),
                         _tokens + static_cast<double>(nowMs - _refilledAt) *
                                       static_cast<double>(_perSecond) / 1000.0);
      _refilledAt = nowMs;
    }
    if (_tokens < 1.0) {
      _skipped.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    // A thread that must not block asks again where it may: the token is taken there.
    NoBlockingStore::check();
    _tokens -= 1.0;
  }
  _lookups.fetch_add(1, std::memory_order_relaxed);
  if (_load(d)) {
    _found.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  std::lock_guard<std::mutex> lock(_m);
  _misses[slot] = {d, nowMs + _negativeMs};
  return false;
}

}  // namespace keywarden::engine
