#include "engine/usage/UsageRollup.h"

#include <algorithm>

namespace keywarden::engine {

namespace {
int64_t floorTo(int64_t t, int64_t width) {
  return t - ((t % width) + width) % width;
}
}  // namespace

UsageRollup::Outcome UsageRollup::run(Transaction& tx, int64_t now) const {
  tx.exclusive("usage-rollup");
  UsageRepository& u = tx.usage();
  int64_t hours = u.rolledUntil(UsageGrain::Hour);
  int64_t closedHours = floorTo(now - kSettleMs, usageGrainMs(UsageGrain::Hour));
  if (closedHours > hours) {
    u.rollUp(UsageGrain::Minute, UsageGrain::Hour, hours, closedHours);
    u.setRolledUntil(UsageGrain::Hour, closedHours);
    hours = closedHours;
  }
  // Only days whose every hour is rolled up: day <= hour watermark, as UsageHistory expects.
  int64_t days = u.rolledUntil(UsageGrain::Day);
  int64_t closedDays = floorTo(hours, usageGrainMs(UsageGrain::Day));
  if (closedDays > days) {
    u.rollUp(UsageGrain::Hour, UsageGrain::Day, days, closedDays);
    u.setRolledUntil(UsageGrain::Day, closedDays);
    days = closedDays;
  }
  Outcome out;
  out.purgedRows += u.purge(UsageGrain::Minute, std::min(hours, now - _keep.keepMinutesMs));
  out.purgedRows += u.purge(UsageGrain::Hour, std::min(days, now - _keep.keepHoursMs));
  out.purgedRows += u.purge(UsageGrain::Day, now - _keep.keepDaysMs);
  return out;
}

}  // namespace keywarden::engine
