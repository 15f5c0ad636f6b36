#pragma once

#include <cstdint>

#include "engine/ports/Store.h"

namespace keywarden::engine {

struct UsageRetention {
  int64_t keepMinutesMs = 86'400'000LL;       // minute buckets: at least a day
  int64_t keepHoursMs = 30LL * 86'400'000LL;  // hour buckets: at least 30 days
  int64_t keepDaysMs = 365LL * 86'400'000LL;  // day buckets: retention.usage
};

// Keeps the usage history small: sums closed minutes into hour buckets and closed hours into
// day buckets (each once: a watermark per grain, moved in the same transaction), then deletes
// what is older than its grain's retention — minutes and hours only once rolled up. Run by the
// retention job (engine/jobs/Housekeeping), serialised across instances.
class UsageRollup {
 public:
  // Minutes this recent are not rolled up yet: a flush collected before the hour turned may
  // still be committing.
  static constexpr int64_t kSettleMs = 5 * 60'000;

  explicit UsageRollup(UsageRetention keep) : _keep(keep) {}

  struct Outcome {
    int64_t purgedRows = 0;
  };
  // Rolls up and purges in the caller's write transaction.
  Outcome run(Transaction& tx, int64_t now) const;

 private:
  const UsageRetention _keep;
};

}  // namespace keywarden::engine
