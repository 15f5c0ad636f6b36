#include "engine/model/RefillPeriod.h"

#include <ctime>

namespace keywarden::engine {

int64_t RefillPeriod::startOf(RefillInterval interval, int64_t now) {
  constexpr int64_t day = 86'400'000;
  switch (interval) {
    case RefillInterval::None:
      return 0;
    case RefillInterval::Daily:
      return now - ((now % day) + day) % day;
    case RefillInterval::Monthly: {
      time_t secs = static_cast<time_t>(now / 1000);
      struct tm tm {};
      gmtime_r(&secs, &tm);
      tm.tm_mday = 1;
      tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
      return static_cast<int64_t>(timegm(&tm)) * 1000;
    }
  }
  return 0;
}

}  // namespace keywarden::engine
