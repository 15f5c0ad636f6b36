#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/Clock.h"
#include "engine/base/Result.h"
#include "engine/check/KeyCache.h"
#include "engine/crypto/KeyCodec.h"
#include "engine/model/AccessToken.h"
#include "engine/model/Application.h"
#include "engine/model/Job.h"
#include "engine/model/KeySpec.h"
#include "engine/notices/Notices.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// The life of keys outside the check path (contract §3 and §4 "Keys"): issue, read, disable,
// enable, revoke (now or planned), rotate with a grace period, and the tenant-shaped endpoints.
// Each change is one transaction with its audit row; the cache follows after commit.
class KeyService {
 public:
  // `notices` (may be null in unit tests) writes the revoked and rotated mails.
  KeyService(Store& store, KeyCache& cache, const Clock& clock, std::string prefix,
             const Notices* notices = nullptr, int64_t expiryReminderMs = 7LL * 86400000);

  // Runs a key job that fell due (activate-key, expiry-reminder, revoke-key,
  // rotation-grace-end; expire-key goes through expireBatch) in the scheduler's transaction: the
  // stored state changes, the cache follows after commit, and the mail goes to the outbox in the
  // same transaction.
  void runJob(Transaction& tx, const Job& job, int64_t now);
  // expire-key jobs in bulk: one query for the keys, one prepared statement each for the
  // states, the audit rows and the cancelled jobs; the cache follows in one pass after commit.
  void expireBatch(Transaction& tx, const std::vector<Job>& jobs, int64_t now);
  // Called after each commit that scheduled a job (the scheduler wakes up).
  void onJobScheduled(std::function<void()> wake) { _jobWake = std::move(wake); }

  // Loads every key into the cache (start-up).
  size_t warmCache();
  // Each key's quota account's lease count (QuotaAccount::storeWrites, kUnseen when it has
  // none): call BEFORE the transaction that reloads them. Lock order (make test-tsan): the
  // cache's lock and an account's are never taken inside the store's write transaction — a
  // check holds its account while it leases from the store, and a cache update holds the
  // cache while it configures an account, so taking the cache inside the store closes a cycle.
  std::vector<uint64_t> leaseCounts(const std::vector<std::string>& ids) const;
  // Re-reads these keys into the cache after `tx` ends (another instance changed them).
  // `leaseCounts`: leaseCounts(ids), taken before `tx` began.
  void reload(Transaction& tx, const std::vector<std::string>& ids,
              const std::vector<uint64_t>& leaseCounts);
  // Hands back at once the units these keys' accounts leased under a limit since changed
  // (one short write each, only where some are owed), so the stored count is exact.
  void returnOwed(const std::vector<std::string>& ids);

  Result<IssuedKey> issue(const Principal& p, const KeySpec& spec);
  Result<Key> get(const Principal& p, const std::string& id);
  Result<std::vector<Key>> list(const Principal& p, const KeyFilter& f);
  Result<Key> disable(const Principal& p, const std::string& id, const std::string& reason);
  Result<Key> enable(const Principal& p, const std::string& id);
  // `at` in the future plans the revocation; 0 or the past revokes now.
  Result<Key> revoke(const Principal& p, const std::string& id, const std::string& reason,
                     int64_t at);
  // A new key with the same rights and quota; the old one stays valid `graceSeconds`.
  Result<IssuedKey> rotate(const Principal& p, const std::string& id, int64_t graceSeconds);

  // The same operations inside a caller's transaction (an approval issues, modifies or revokes
  // a key in the transaction that records the decision). The cache follows after commit.
  Result<IssuedKey> issueIn(Transaction& tx, const Principal& p, const KeySpec& spec, int64_t now);
  Result<Key> modifyIn(Transaction& tx, const Principal& p, const std::string& id,
                       const KeyChanges& c, int64_t now);
  Result<Key> revokeIn(Transaction& tx, const Principal& p, const std::string& id,
                       const std::string& reason, int64_t now);

  // Checks a spec against the catalog and the clock (names, scopes, APIs, groups, dates, quota).
  std::optional<Error> checkSpec(Transaction& tx, const KeySpec& s, int64_t now) const;
  // The key as a modify application's changes would leave it.
  static KeySpec specAfter(const Key& k, const KeyChanges& c);
  // Whether `c` may apply to `k` at `now`: the key neither revoked nor expired, the quota and
  // refill of a rotated-away key untouched (they are its successor's), effectiveAt moved only
  // while the key is not active yet (409 INVALID_STATE), and the result passes checkSpec.
  // Error fields name the field inside `changes` (callers prefix "changes.").
  std::optional<Error> checkChanges(Transaction& tx, const Key& k, const KeyChanges& c,
                                    int64_t now) const;

  // Tenant-shaped endpoints: keys of a tenant that are not revoked.
  Result<std::vector<Key>> listTenantKeys(const Principal& p, const std::string& tenant);
  Result<Key> getTenantKey(const Principal& p, const std::string& tenant, const std::string& id);
  Status deleteTenantKey(const Principal& p, const std::string& tenant, const std::string& id);

 private:
  // 409 INVALID_STATE: the key, in effective state `eff`, cannot do `what`.
  static Error stateConflict(const Key& k, KeyState eff, const std::string& what);
  // Records the change for other instances and refreshes this one's cache after commit.
  void publish(Transaction& tx, const Key& k);
  Result<Key> findVisible(Transaction& tx, const Principal& p, const std::string& id) const;
  // Shows the live figures of this instance (remaining, usage not yet flushed). `owner` is the
  // row holding the key's quota as just read: the key itself, or the key it was rotated to.
  Key withLiveUsage(Key k, const Key& owner) const;
  // The same, reading the owner's row when the key was rotated.
  Key withLiveUsage(Key k) const;
  // KeyCache::usageEpoch once no usage flush is in flight (waits up to ~200 ms for one).
  uint64_t stableUsageEpoch() const;
  QuotaAccount* accountOf(const std::string& id) const;
  // Runs `fn` on this instance's cache entry of key `id`, under the entry's stripe lock; false
  // when the cache does not hold the key.
  bool readEntry(const std::string& id, const std::function<void(const KeyEntry&)>& fn) const;
  // The change that revokes a key: planned for `at` when that is later than the change's
  // time, else at once (revokeIn passes 0). 409 INVALID_STATE when it is revoked already.
  static std::function<std::optional<Error>(Key&, int64_t)> revocation(const std::string& reason,
                                                                       int64_t at);
  // Runs `change` on the key in one transaction, stores and audits it, refreshes the cache.
  Result<Key> change(const Principal& p, const std::string& id, const std::string& action,
                     const std::function<std::optional<Error>(Key&, int64_t)>& change);
  Result<Key> changeIn(Transaction& tx, const Principal& p, const std::string& id,
                       const std::string& action,
                       const std::function<std::optional<Error>(Key&, int64_t)>& change,
                       int64_t now);
  // Rotation (KeyRotation.cpp): the successor of `old`, inserted, holding the lineage's
  // quota taken from `owner`'s row; every key that drew from `owner` now draws from it; `old`
  // retired (revoked now, or planned after the grace period).
  Result<IssuedKey> rotateIn(Transaction& tx, const Principal& p, const std::string& id,
                             int64_t graceSeconds, int64_t now);
  Key successorOf(Transaction& tx, const Key& old, const std::string& owner, const MintedKey& m,
                  int64_t now);
  std::vector<Key> drawFromSuccessor(Transaction& tx, const Key& old, const std::string& owner,
                                     const std::string& successorId, int64_t now);
  static void retire(Key& old, const std::string& successorId, int64_t graceSeconds, int64_t now);
  // A modify's quota, refill and leased units (docs/quota.md): the stored count moved as `s`
  // asks; true when `k`'s count must be read again from the store for the cache.
  bool changeQuota(Transaction& tx, Key& k, const KeySpec& s, int64_t t);
  // After a commit that relabelled key `id`'s count from `oldLabel` to `newLabel` (a new refill
  // interval): takes this instance's units leased under the old label out of its account and
  // adds them back to the stored remaining (one short write), unless a refill restarted the
  // count since. Takes the account's lock outside any transaction (lock order, make test-tsan).
  void handBackRelabelled(const std::string& id, int64_t oldLabel, int64_t newLabel);
  // Replaces the key's pending jobs with those its definition calls for now.
  void scheduleJobs(Transaction& tx, const Key& k, int64_t now) const;
  void audit(Transaction& tx, const Principal& p, const std::string& action, const Key& k,
             const std::string& detail = "{}");

  Store& _store;
  KeyCache& _cache;
  const Clock& _clock;
  const std::string _prefix;
  const Notices* _notices;
  const int64_t _reminderMs;
  std::function<void()> _jobWake;
};

}  // namespace keywarden::engine
