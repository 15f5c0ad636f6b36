#pragma once

#include <algorithm>
#include <map>
#include <string>

#include "engine/check/QuotaSource.h"

namespace keywarden::engine {

// A store with remaining units per key, counting leases (a fake behind QuotaSource).
class FakeQuotaSource : public QuotaSource {
 public:
  std::map<std::string, int64_t> remaining;
  std::map<std::string, int64_t> period;
  int64_t refillAmount = 0;
  int leases = 0;
  int64_t returned = 0;  // units handed back with leases
  QuotaLease lease(const std::string& id, int64_t want, int64_t periodStart,
                   int64_t returning) override {
    ++leases;
    if (returning > 0 && periodStart == period[id]) {
      remaining[id] += returning;
      returned += returning;
    }
    if (refillAmount > 0 && periodStart > period[id]) {
      remaining[id] = refillAmount;
      period[id] = periodStart;
    }
    QuotaLease l;
    l.granted = std::max<int64_t>(0, std::min(want, remaining[id]));
    remaining[id] -= l.granted;
    l.leftInStore = remaining[id];
    l.periodStart = period[id];
    return l;
  }
  void giveBack(const std::string& id, int64_t units, int64_t periodStart) override {
    if (periodStart == period[id]) remaining[id] += units;
  }
};

}  // namespace keywarden::engine
