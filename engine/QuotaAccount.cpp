#include "engine/QuotaAccount.h"

#include <algorithm>

#include "engine/RefillPeriod.h"

namespace keywarden::engine {

void QuotaAccount::configure(const Key& owner) {
  std::lock_guard<std::mutex> lock(_m);
  _quota = owner.quota;
  _interval = owner.refillInterval;
  _refillAmount = owner.refillAmount;
  _leftInStore = std::max<int64_t>(0, owner.remaining);
  if (owner.refilledAt > _period) {
    _period = owner.refilledAt;
    _local = 0;
  }
}

void QuotaAccount::rollPeriod(int64_t now) {
  int64_t period = RefillPeriod::startOf(_interval, now);
  if (period > _period) {
    // Units leased in the old period belong to it; the store restarts the count on next lease.
    _period = period;
    _local = 0;
    _leftInStore = _refillAmount;
  }
}

bool QuotaAccount::tryConsume(int64_t cost, int64_t now, QuotaSource& source, int64_t block) {
  std::lock_guard<std::mutex> lock(_m);
  if (_quota < 0) return true;
  rollPeriod(now);
  if (cost == 0) return _local + _leftInStore > 0;  // a check that consumes nothing: is any left?
  if (_local >= cost) {
    _local -= cost;
    return true;
  }
  // What the store holds is only known as of our last lease: another instance may have handed
  // units back since. Ask again, at most once a second, before refusing.
  if (_local + _leftInStore < cost && now - _lastAsked < kRecheckMs) return false;
  _lastAsked = now;
  QuotaLease l = source.lease(_keyId, std::max(block, cost - _local), _period);
  if (l.periodStart > _period) {
    _period = l.periodStart;
    _local = 0;
  }
  _local += l.granted;
  _leftInStore = l.leftInStore;
  if (_local < cost) return false;
  _local -= cost;
  return true;
}

int64_t QuotaAccount::remaining(int64_t now) const {
  std::lock_guard<std::mutex> lock(_m);
  if (_quota < 0) return -1;
  int64_t period = RefillPeriod::startOf(_interval, now);
  if (period > _period) return _refillAmount;
  return _local + _leftInStore;
}

void QuotaAccount::giveBack(QuotaSource& source) {
  std::lock_guard<std::mutex> lock(_m);
  if (_quota < 0 || _local == 0) return;
  source.giveBack(_keyId, _local, _period);
  _leftInStore += _local;
  _local = 0;
}

}  // namespace keywarden::engine
