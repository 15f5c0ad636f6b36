// KeyService: the jobs a key's dates call for (activation, expiry reminder, expiry, planned
// revocation, end of a rotation grace period), planned in the change's transaction and run
// by the scheduler.
#include "engine/keys/KeyService.h"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "engine/base/Ids.h"
#include "engine/catalog/CatalogService.h"
#include "engine/check/StoreQuotaSource.h"
#include "engine/crypto/KeyCodec.h"
#include "engine/model/RefillPeriod.h"
#include "engine/text/JsonText.h"
#include "engine/text/Validation.h"

namespace keywarden::engine {

void KeyService::scheduleJobs(Transaction& tx, const Key& k, int64_t now) const {
  tx.jobs().cancel("", k.id, now);
  KeyState eff = k.effectiveState(now);
  auto add = [&](JobKind kind, int64_t at) {
    Job j;
    j.id = Ids::make("job");
    j.kind = jobKindName(kind);
    j.refId = k.id;
    j.dueAt = at;
    j.payload = "{\"at\":" + std::to_string(at) + "}";
    j.createdAt = now;
    tx.jobs().insert(j);
    if (_jobWake) tx.afterCommit(_jobWake);
  };
  if (eff == KeyState::Revoked || eff == KeyState::Expired) {
    // Stored state still to catch up with time: let the scheduler record it now.
    if (k.state != eff)
      add(eff == KeyState::Revoked ? JobKind::RevokeKey : JobKind::ExpireKey, now);
    return;
  }
  if (k.state == KeyState::Scheduled) add(JobKind::ActivateKey, k.effectiveAt);
  if (k.revokeAt > now)
    add(k.rotatedTo.empty() ? JobKind::RevokeKey : JobKind::RotationGraceEnd, k.revokeAt);
  if (k.expiresAt > now && (k.revokeAt == 0 || k.revokeAt > k.expiresAt)) {
    add(JobKind::ExpireKey, k.expiresAt);
    if (k.expiresAt - _reminderMs > now) add(JobKind::ExpiryReminder, k.expiresAt - _reminderMs);
  }
}

void KeyService::runJob(Transaction& tx, const Job& job, int64_t now) {
  Principal system;
  system.tokenId = "system";
  system.role = Role::Admin;
  system.actorName = "scheduler";
  auto current = tx.keys().find(job.refId);
  if (!current) return;  // purged meanwhile
  if (job.is(JobKind::ExpiryReminder)) {
    if (_notices && current->expiresAt > now && current->effectiveState(now) != KeyState::Revoked)
      _notices->keyExpiring(tx, *current, now);
    return;
  }
  auto r = changeIn(
      tx, system, job.refId, "job." + job.kind,
      [&](Key& k, int64_t t) -> std::optional<Error> {
        KeyState eff = k.effectiveState(t);
        if (job.is(JobKind::ActivateKey) && k.state == KeyState::Scheduled &&
            eff == KeyState::Active)
          k.state = KeyState::Active;
        else if ((job.is(JobKind::RevokeKey) || job.is(JobKind::RotationGraceEnd)) &&
                 eff == KeyState::Revoked && k.state != KeyState::Revoked)
          k.state = KeyState::Revoked;
        else
          return Error::conflict("NOTHING_TO_DO", "");  // changed meanwhile: nothing left to do
        return std::nullopt;
      },
      now);
  (void)r;  // NOTHING_TO_DO is not a failure
}

void KeyService::expireBatch(Transaction& tx, const std::vector<Job>& jobs, int64_t now) {
  std::vector<std::string> ids;
  ids.reserve(jobs.size());
  for (const auto& j : jobs) ids.push_back(j.refId);
  std::vector<Key> changed =
      tx.keys().expire(ids, now);  // only those still due: others changed meanwhile
  if (changed.empty()) return;
  std::vector<std::string> changedIds;
  std::vector<AuditEntry> audits;
  changedIds.reserve(changed.size());
  audits.reserve(changed.size());
  for (const auto& k : changed) {
    changedIds.push_back(k.id);
    audits.push_back({now, "scheduler", "job.expire-key", "key", k.id, k.tenant, "{}"});
  }
  tx.jobs().cancelOthers(changedIds, jobKindName(JobKind::ExpireKey), now);
  tx.audit().appendMany(audits);
  if (_notices) {
    std::map<std::string, std::string> contacts;  // client id -> contact, looked up once per batch
    for (const auto& k : changed) {
      bool tell = !k.applicationId.empty();
      if (!tell && !k.clientId.empty()) {
        auto it = contacts.find(k.clientId);
        if (it == contacts.end()) {
          auto c = tx.catalog().findClient(k.clientId);
          it = contacts.emplace(k.clientId, c ? c->contactEmail : "").first;
        }
        tell = !it->second.empty();
      }
      if (tell)
        if (auto full = tx.keys().find(k.id)) _notices->keyExpired(tx, *full, now);
    }
  }
  // No change-feed entry: every instance already treats a key past its expiry as EXPIRED
  // (Key::effectiveState); the stored state catches up here for lists and mails.
  tx.afterCommit([this, changed] { _cache.markExpired(changed); });
}

}  // namespace keywarden::engine
