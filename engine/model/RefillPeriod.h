#pragma once

#include <cstdint>

#include "engine/model/Key.h"

namespace keywarden::engine {

// Where refill periods start: UTC midnight for daily, the first of the month (UTC) for monthly.
class RefillPeriod {
 public:
  // The start of the period containing `now`; 0 when the key does not refill.
  static int64_t startOf(RefillInterval interval, int64_t now);
};

}  // namespace keywarden::engine
