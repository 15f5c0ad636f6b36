#include "engine/jobs/JobRunners.h"

namespace keywarden::engine {

void JobRunners::keys(Scheduler& s, KeyService& keys) {
  s.onBatch(JobKind::ExpireKey, [&keys](Transaction& tx, const std::vector<Job>& jobs,
                                        int64_t now) { keys.expireBatch(tx, jobs, now); });
  for (JobKind k : {JobKind::ActivateKey, JobKind::ExpiryReminder, JobKind::RevokeKey,
                    JobKind::RotationGraceEnd})
    s.on(k, [&keys](Transaction& tx, const Job& j, int64_t now) { keys.runJob(tx, j, now); });
}

void JobRunners::applications(Scheduler& s, ApplicationService& apps) {
  s.on(JobKind::LevelTimeout,
       [&apps](Transaction& tx, const Job& j, int64_t now) { apps.runTimeout(tx, j, now); });
}

void JobRunners::housekeeping(Scheduler& s, const Housekeeping& hk) {
  s.on(JobKind::Retention,
       [&hk](Transaction& tx, const Job& j, int64_t now) { hk.runRetention(tx, j, now); });
  s.on(JobKind::ApproverDigest,
       [&hk](Transaction& tx, const Job& j, int64_t now) { hk.runDigest(tx, j, now); });
}

}  // namespace keywarden::engine
