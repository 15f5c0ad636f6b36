#include "engine/check/QuotaAccount.h"

#include <algorithm>

#include "engine/model/RefillPeriod.h"
#include "engine/ports/NoBlockingStore.h"

namespace keywarden::engine {

void QuotaAccount::configure(const Key& owner, uint64_t writesSeen) {
  std::lock_guard<std::mutex> lock(_m);
  const bool changed = _configured && (owner.quota != _quota || owner.refillInterval != _interval ||
                                       owner.refillAmount != _refillAmount);
  _configured = true;
  _quota = owner.quota;
  _interval = owner.refillInterval;
  _refillAmount = owner.refillAmount;
  const bool staleRead =
      writesSeen != kUnseen && _writes.load(std::memory_order_acquire) != writesSeen;
  if (!staleRead) _leftInStore = owner.remaining;
  if (owner.refilledAt > _period) {
    // The store restarted the count: units leased before belong to the old one.
    _period = owner.refilledAt;
    _local = 0;
    _owed = 0;
  } else if (changed) {
    // Leased under the old limit: not served any more, handed back with the next lease (the
    // stored remaining already counts them as leased out).
    _owed += _local;
    _local = 0;
  }
  _lastAsked = INT64_MIN / 2;  // the store changed: ask it as soon as the local units run short
}

void QuotaAccount::rollPeriod(int64_t now) {
  int64_t period = RefillPeriod::startOf(_interval, now);
  if (period > _period) {
    // Units leased in the old period belong to it; the store restarts the count on next lease.
    _period = period;
    _local = 0;
    _owed = 0;
    _leftInStore = _refillAmount;
  }
}

bool QuotaAccount::tryConsume(int64_t cost, int64_t now, QuotaSource& source, int64_t block) {
  // A thread that must not block (NoBlockingStore) never waits for an account whose lock a
  // lease holds across a store round trip.
  auto take = [](QuotaAccount* acc) {
    std::unique_lock<std::mutex> l(acc->_m, std::defer_lock);
    if (!NoBlockingStore::active())
      l.lock();
    else if (!l.try_lock())
      throw NoBlockingStore::WouldBlock();
    return l;
  };
  QuotaAccount* a = current();
  std::unique_lock<std::mutex> lock = take(a);
  // Moved while we waited for the lock: the successor serves (moveTo holds both locks).
  while (QuotaAccount* next = a->_movedTo.load(std::memory_order_acquire)) {
    lock.unlock();
    a = next->current();
    lock = take(a);
  }
  if (a->_quota < 0) return true;
  a->rollPeriod(now);
  if (cost == 0) return a->_local + a->_owed + a->_leftInStore > 0;  // is any left?
  if (a->_local >= cost) {
    a->_local -= cost;
    return true;
  }
  // What the store holds is only known as of our last lease: another instance may have handed
  // units back since. Ask again, at most once a second, before refusing (at once when units
  // are owed back: returning them may be what covers the call).
  if (a->_owed == 0 && a->_local + a->_leftInStore < cost && now - a->_lastAsked < kRecheckMs)
    return false;
  NoBlockingStore::check();  // before anything changes: the call is made again where it may wait
  a->_lastAsked = now;
  QuotaLease l = source.lease(a->_keyId, std::max(block, cost - a->_local), a->_period, a->_owed);
  a->_owed = 0;
  a->_writes.fetch_add(1, std::memory_order_release);
  if (l.periodStart > a->_period) {
    a->_period = l.periodStart;
    a->_local = 0;
  }
  a->_local += l.granted;
  a->_leftInStore = l.leftInStore;
  if (a->_local < cost) return false;
  a->_local -= cost;
  return true;
}

int64_t QuotaAccount::remaining(int64_t now) const {
  const QuotaAccount* a = current();
  std::lock_guard<std::mutex> lock(a->_m);
  if (a->_quota < 0) return -1;
  int64_t period = RefillPeriod::startOf(a->_interval, now);
  if (period > a->_period) return a->_refillAmount;
  return std::max<int64_t>(0, a->_local + a->_owed + a->_leftInStore);
}

int64_t QuotaAccount::held(int64_t refilledAt, int64_t now) const {
  const QuotaAccount* a = current();
  std::lock_guard<std::mutex> lock(a->_m);
  if (a->_quota < 0 || a->_period != refilledAt) return 0;
  if (RefillPeriod::startOf(a->_interval, now) > a->_period) return 0;
  return a->_local + a->_owed;
}

void QuotaAccount::returnOwed(QuotaSource& source) {
  QuotaAccount* a = current();
  std::lock_guard<std::mutex> lock(a->_m);
  if (a->_owed == 0) return;
  source.giveBack(a->_keyId, a->_owed, a->_period);
  a->_leftInStore += a->_owed;
  a->_owed = 0;
  a->_writes.fetch_add(1, std::memory_order_release);
}

void QuotaAccount::giveBack(QuotaSource& source) {
  std::lock_guard<std::mutex> lock(_m);
  int64_t units = _local + _owed;
  if (_quota < 0 || units == 0) return;
  source.giveBack(_keyId, units, _period);
  _leftInStore += units;
  _local = _owed = 0;
  _writes.fetch_add(1, std::memory_order_release);
}

int64_t QuotaAccount::surrender(int64_t refilledAt) {
  QuotaAccount* a = current();
  std::lock_guard<std::mutex> lock(a->_m);
  if (a->_quota < 0 || a->_period != refilledAt) return 0;
  int64_t units = a->_local + a->_owed;
  a->_local = a->_owed = 0;
  a->_writes.fetch_add(1, std::memory_order_release);
  return units;
}

void QuotaAccount::moveTo(QuotaAccount& successor) {
  if (&successor == this) return;
  std::scoped_lock lock(_m, successor._m);
  if (_movedTo.load(std::memory_order_relaxed)) return;  // moved before: nothing left here
  bool sameLimit = true;
  if (!successor._configured) {
    // The successor's own row has not reached this cache yet: serve under our settings
    // meanwhile (never as unlimited); its configure() follows.
    successor._configured = true;
    successor._quota = _quota;
    successor._interval = _interval;
    successor._refillAmount = _refillAmount;
  } else {
    sameLimit = successor._quota == _quota && successor._interval == _interval &&
                successor._refillAmount == _refillAmount;
  }
  if (_local + _owed > 0 && _quota >= 0) {
    if (_period > successor._period) {
      successor._period = _period;
      successor._local = successor._owed = 0;
    }
    // Leased from the lineage's quota in the same count: the successor serves the servable
    // units and hands back the owed ones (all of them when the limits differ). Units of an
    // older period than the successor's are dropped, as a period roll would.
    if (_period == successor._period) {
      if (sameLimit) {
        successor._local += _local;
        successor._owed += _owed;
      } else {
        successor._owed += _local + _owed;
      }
    }
  }
  _local = _owed = 0;
  _leftInStore = 0;
  _movedTo.store(&successor, std::memory_order_release);
}

}  // namespace keywarden::engine
