#pragma once

#include <cstdint>

#include "engine/check/KeyCache.h"
#include "engine/model/Job.h"
#include "engine/notices/Notices.h"
#include "engine/ports/Store.h"
#include "engine/usage/UsageRollup.h"

namespace keywarden::engine {

struct HousekeepingSettings {
  int64_t keepKeysMs = 90LL * 86400000;           // retention.keys
  int64_t keepApplicationsMs = 365LL * 86400000;  // retention.applications
  int digestHourUtc = 8;                          // approvals.digestHour
  int64_t keepUsageDaysMs = 365LL * 86400000;     // retention.usage (day buckets)
};

// The recurring jobs: `retention` (purges expired/revoked keys and finished applications after
// their retention, keeping the audit trail; rolls up and purges the usage history, UsageRollup) and
// `approver-digest` (a daily mail to each approver with what waits for them). Each run schedules
// the next in its own transaction.
class Housekeeping {
 public:
  Housekeeping(KeyCache& cache, const Notices& notices, HousekeepingSettings settings)
      : _cache(cache), _notices(notices), _s(settings) {}

  // Makes sure both recurring jobs are scheduled (start-up).
  void ensureScheduled(Transaction& tx, int64_t now) const;
  void runRetention(Transaction& tx, const Job& job, int64_t now) const;
  void runDigest(Transaction& tx, const Job& job, int64_t now) const;
  int64_t nextDigestAt(int64_t now) const;

 private:
  void schedule(Transaction& tx, JobKind kind, int64_t at, int64_t now) const;
  KeyCache& _cache;
  const Notices& _notices;
  const HousekeepingSettings _s;
};

}  // namespace keywarden::engine
