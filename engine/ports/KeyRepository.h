#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/Key.h"

namespace keywarden::engine {

struct KeyFilter {
  std::string tenant;    // empty: any
  std::string clientId;  // empty: any
  std::optional<KeyState> state;
};

// Units of quota handed to one instance: consumed from memory until spent.
struct QuotaLease {
  int64_t granted = 0;
  int64_t leftInStore = 0;  // units neither consumed nor leased after this lease
  int64_t periodStart = 0;  // the refill period the units belong to
};

// What a key's row holds of its quota count.
struct StoredQuota {
  int64_t remaining = 0;
  int64_t refilledAt = 0;
};

// Usage accumulated in memory since the last flush, added to the stored counters.
struct UsageDelta {
  std::string keyId;
  int64_t valid = 0;
  int64_t rejected = 0;  // the sum of rejectedBy
  int64_t lastUsedAt = 0;
  // For the usage history (engine/ports/UsageRepository.h): the key's client and tenant, and
  // its refusals per outcome, in the order of engine/check/VerifyCode.h from REVOKED to
  // USAGE_EXCEEDED.
  std::string clientId;
  std::string tenant;
  std::array<int64_t, 7> rejectedBy{};
};

// Keys. Methods run inside the caller's Transaction.
class KeyRepository {
 public:
  virtual ~KeyRepository() = default;

  // Throws if the id or the digest exists already (callers check ids first).
  virtual void insert(const Key& k) = 0;
  // Writes what admins and workflows change; leaves remaining, usage and lastUsedAt alone.
  virtual void updateDefinition(const Key& k) = 0;
  // Adds `delta` to the stored remaining, as when a quota is raised or lowered. The result may
  // be below 0: units leased out beyond the new quota, which the instances hand back.
  virtual void adjustRemaining(const std::string& id, int64_t delta) = 0;
  // Restarts key `id`'s count at `remaining` (-1: unlimited) and moves `refilled_at` past its
  // old value and to at least `now`, so units leased before are dropped, not handed back.
  // For keys without refill only (a refill key's `refilled_at` is its period start).
  virtual void restartQuota(const std::string& id, int64_t remaining, int64_t now) = 0;
  // Labels key `id`'s count with `periodStart` (its `refilled_at`) when that is newer, keeping
  // `remaining`: a refill interval set on a key starts at the current period, not at once.
  // Units leased under the old label are not taken back any more (callers add back what they
  // hold first).
  virtual void relabelCount(const std::string& id, int64_t periodStart) = 0;
  // Takes key `id`'s whole stored remaining (the row locked, then set to 0): rotation moves it
  // to the successor. Returns it (below 0 when owed back) and the count it belongs to.
  virtual StoredQuota takeRemaining(const std::string& id) = 0;
  virtual std::optional<Key> find(const std::string& id) = 0;
  virtual std::vector<Key> list(const KeyFilter& f) = 0;
  // Every key, in chunks of about `chunk`, with the fields the check path's cache needs (not
  // name, start, usage totals, revoke reason, rotation or application links): start-up streams
  // a million keys without holding them all as full objects.
  virtual void loadForCache(size_t chunk, const std::function<void(std::vector<Key>&)>& fn) = 0;
  // How many keys the store holds, in every state (what loadForCache would hand over): the
  // start-up load sizes the cache's indexes with it so that they never grow during the load.
  virtual size_t countAll() = 0;
  // The same fields for these keys (those that exist), in a few set-based queries.
  virtual std::vector<Key> findForCache(const std::vector<std::string>& ids) = 0;
  // The key whose digest is `digestHex` (64 hex characters), in the cache's form; empty if none.
  virtual std::vector<Key> findForCacheByDigest(const std::string& digestHex) = 0;
  // Marks EXPIRED those of `ids` whose expiry has passed at `now` and that are neither expired
  // nor revoked yet, bumping their version; returns them (id, tenant, clientId, applicationId).
  virtual std::vector<Key> expire(const std::vector<std::string>& ids, int64_t now) = 0;

  // Takes up to `want` units from the stored remaining of the lineage of key `id` (the row
  // `quota_key_id` points at, when set: rotation moved the quota there). First adds back
  // `returning` units leased in `periodStart` (ignored if the count moved on). When the key
  // refills and `periodStart` is newer than the stored period, the stored remaining restarts
  // at `refillAmount`. Must run in a write transaction.
  virtual QuotaLease leaseQuota(const std::string& id, int64_t want, int64_t periodStart,
                                int64_t returning) = 0;
  // Gives back units leased in `periodStart` and not consumed to the lineage of key `id`
  // (ignored if the count moved on).
  virtual void returnQuota(const std::string& id, int64_t units, int64_t periodStart) = 0;
  virtual void addUsage(const std::vector<UsageDelta>& deltas) = 0;
  // Deletes EXPIRED and REVOKED keys whose last change is older than `before`; returns their ids.
  virtual std::vector<std::string> purge(int64_t before) = 0;
};

}  // namespace keywarden::engine
