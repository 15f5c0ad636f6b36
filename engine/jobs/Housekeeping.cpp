#include "engine/jobs/Housekeeping.h"
#include "engine/portal/PortalRepository.h"

#include <map>

#include "engine/applications/ApplicationService.h"
#include "engine/base/Ids.h"
#include "engine/cluster/CachePublisher.h"

namespace keywarden::engine {

namespace {
constexpr int64_t kDay = 86'400'000;
}

void Housekeeping::schedule(Transaction& tx, JobKind kind, int64_t at, int64_t now) const {
  Job j;
  j.id = Ids::make("job");
  j.kind = jobKindName(kind);
  j.dueAt = at;
  j.createdAt = now;
  tx.jobs().insert(j);
}

int64_t Housekeeping::nextDigestAt(int64_t now) const {
  int64_t at =
      now - ((now % kDay) + kDay) % kDay + static_cast<int64_t>(_s.digestHourUtc) * 3'600'000;
  return at > now ? at : at + kDay;
}

void Housekeeping::ensureScheduled(Transaction& tx, int64_t now) const {
  // Instances starting together on one database must not both see "none pending" and insert.
  tx.exclusive("housekeeping");
  if (!tx.jobs().pendingExists(jobKindName(JobKind::Retention)))
    schedule(tx, JobKind::Retention, now, now);
  if (!tx.jobs().pendingExists(jobKindName(JobKind::ApproverDigest)))
    schedule(tx, JobKind::ApproverDigest, nextDigestAt(now), now);
}

void Housekeeping::runRetention(Transaction& tx, const Job&, int64_t now) const {
  auto keys = tx.keys().purge(now - _s.keepKeysMs);
  int apps = tx.applications().purge(now - _s.keepApplicationsMs);
  tx.portal().purge(now - kDay);  // sign-in links and sessions over for a day (engine/portal)
  UsageRetention keepUsage;
  keepUsage.keepDaysMs = _s.keepUsageDaysMs;
  UsageRollup(keepUsage).run(tx, now);
  if (!keys.empty() || apps > 0)
    tx.audit().append({now, "scheduler", "retention.purge", "store", "", "",
                       "{\"keys\":" + std::to_string(keys.size()) +
                           ",\"applications\":" + std::to_string(apps) + "}"});
  CachePublisher(_cache).keysRemoved(tx, keys, now);
  schedule(tx, JobKind::Retention, now + kDay, now);
}

void Housekeeping::runDigest(Transaction& tx, const Job&, int64_t now) const {
  AppFilter f;
  f.state = AppState::InReview;
  std::map<std::string, std::vector<Application>> waiting;  // approver -> applications
  for (const auto& listed : tx.applications().list(f)) {
    auto a = tx.applications().find(listed.id);
    if (!a) continue;
    for (const auto& approver : ApplicationService::waitingApprovers(*a))
      waiting[approver].push_back(*a);
  }
  for (const auto& [approver, apps] : waiting) _notices.digest(tx, approver, apps, now);
  schedule(tx, JobKind::ApproverDigest, nextDigestAt(now + 1), now);
}

}  // namespace keywarden::engine
