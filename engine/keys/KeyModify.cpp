// KeyService: modify applications carried out on a key (the spec after the change, its checks,
// and the change itself, limits and leased units included — see docs/quota.md).
#include "engine/keys/KeyService.h"

#include <Poco/Logger.h>

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

KeySpec KeyService::specAfter(const Key& k, const KeyChanges& c) {
  KeySpec s;
  s.tenant = k.tenant;
  s.name = k.name;
  s.scopes = c.scopes.value_or(k.scopes);
  s.apis = c.apis.value_or(k.apis);
  s.groups = c.groups.value_or(k.groups);
  s.effectiveAt = c.effectiveAt.value_or(k.effectiveAt);
  s.expiresAt = c.expiresAt.value_or(k.expiresAt);
  s.quota = c.quota.value_or(k.quota);
  s.refillInterval = c.refill ? c.refill->interval : k.refillInterval;
  s.refillAmount = c.refill ? c.refill->amount : k.refillAmount;
  s.rateLimit = c.rateLimit ? c.rateLimit->limit : k.rateLimit;
  s.rateWindowMs = c.rateLimit ? c.rateLimit->windowMs : k.rateWindowMs;
  return s;
}

std::optional<Error> KeyService::checkChanges(Transaction& tx, const Key& k, const KeyChanges& c,
                                              int64_t now) const {
  KeyState eff = k.effectiveState(now);
  if (eff == KeyState::Revoked || eff == KeyState::Expired) return stateConflict(k, eff, "modify");
  KeySpec s = specAfter(k, c);
  const bool countChanges = s.quota != k.quota || s.refillInterval != k.refillInterval ||
                            s.refillAmount != k.refillAmount;
  if (countChanges && !k.quotaKeyId.empty())
    return Error::conflict("INVALID_STATE",
                           "key '" + k.id + "' was rotated: its quota and refill are key '" +
                               k.quotaKeyId + "''s now; modify that key",
                           c.quota ? "quota" : "refill");
  // Moving the start of a key that already serves would turn it SCHEDULED again and cut off
  // its holders without a word: effectiveAt changes only while the key is not active yet.
  if (c.effectiveAt && *c.effectiveAt != k.effectiveAt && k.effectiveAt <= now)
    return Error::conflict("INVALID_STATE",
                           "key '" + k.id +
                               "' is active already: effectiveAt can change only before the key "
                               "becomes active (disable or revoke an active key instead)",
                           "effectiveAt");
  return checkSpec(tx, s, now);
}

Result<Key> KeyService::modifyIn(Transaction& tx, const Principal& p, const std::string& id,
                                 const KeyChanges& c, int64_t now) {
  return changeIn(
      tx, p, id, "key.modify",
      [&](Key& k, int64_t t) -> std::optional<Error> {
        if (auto e = checkChanges(tx, k, c, t)) return e;
        KeySpec s = specAfter(k, c);
        k.scopes = s.scopes;
        k.apis = s.apis;
        k.groups = s.groups;
        k.expiresAt = s.expiresAt;
        if (s.effectiveAt != k.effectiveAt) {
          // Only a key not active yet gets here (checkChanges); the jobs follow in changeIn.
          k.effectiveAt = s.effectiveAt;
          if (k.state == KeyState::Scheduled && k.effectiveAt <= t) k.state = KeyState::Active;
        }
        // A rate limit applies to the next check: the cache keeps the current window's count
        // and judges it against the new limit.
        k.rateLimit = s.rateLimit;
        k.rateWindowMs = s.rateWindowMs;
        if (changeQuota(tx, k, s, t)) {
          if (auto fresh = tx.keys().find(k.id)) {  // the cache needs the stored count
            k.remaining = fresh->remaining;
            k.refilledAt = fresh->refilledAt;
          }
        }
        return std::nullopt;
      },
      now);
}

bool KeyService::changeQuota(Transaction& tx, Key& k, const KeySpec& s, int64_t t) {
  bool recount = false;
  if (k.refillInterval != RefillInterval::None && s.refillInterval != k.refillInterval) {
    // The refill the old interval owes (a period began and nobody leased from it yet)
    // happens first: the count that goes on is the one the key has now.
    auto fresh = tx.keys().find(k.id);
    if (fresh && RefillPeriod::startOf(k.refillInterval, t) > fresh->refilledAt)
      tx.keys().restartQuota(k.id, k.refillAmount, t);
    recount = true;
  }
  if (s.quota != k.quota) {
    // The stored remaining counts units leased to instances as gone. A new limit moves it
    // by the difference, below 0 if more is leased out than the new quota leaves: the
    // instances stop serving their leased units at once (QuotaAccount::configure) and
    // hand them back. Between unlimited and limited the count restarts at the quota.
    if (k.quota >= 0 && s.quota >= 0)
      tx.keys().adjustRemaining(k.id, s.quota - k.quota);
    else
      tx.keys().restartQuota(k.id, s.quota, t);
    k.quota = s.quota;
    recount = true;
  }
  if (s.refillInterval != k.refillInterval && s.refillInterval != RefillInterval::None) {
    // A new interval (a refill added, or daily <-> monthly): the count goes on, and the
    // next refill comes at the next start of the new interval. The count is labelled with
    // the current period's start (refilled_at) unless it is newer already; units leased
    // under the old label would be dropped, so this instance hands its own back — after the
    // commit (handBackRelabelled), as no account or cache lock is taken inside a write
    // transaction (lock order: a check holds its account while it leases from the store).
    int64_t label = RefillPeriod::startOf(s.refillInterval, t);
    if (auto fresh = tx.keys().find(k.id); fresh && label > fresh->refilledAt) {
      tx.keys().relabelCount(k.id, label);
      // Registered before changeIn's cache update, so it runs first: the account still
      // holds the old label's units when this hook takes them.
      tx.afterCommit([this, id = k.id, old = fresh->refilledAt, label] {
        handBackRelabelled(id, old, label);
      });
    }
    recount = true;
  }
  // A changed amount applies from the next refill; removing the refill keeps the count.
  recount = recount || s.refillInterval != k.refillInterval;
  k.refillInterval = s.refillInterval;
  k.refillAmount = s.refillAmount;
  return recount;
}

void KeyService::handBackRelabelled(const std::string& id, int64_t oldLabel, int64_t newLabel) {
  QuotaAccount* account = accountOf(id);
  if (!account) return;
  int64_t back = account->surrender(oldLabel);
  if (back <= 0) return;
  try {
    _store.write([&](Transaction& tx) {
      // Only onto the count they were taken from: a refill since then restarted it.
      auto k = tx.keys().find(id);
      if (k && k->refilledAt == newLabel) tx.keys().adjustRemaining(id, back);
    });
  } catch (const std::exception& e) {
    // The units are lost to this period: the key serves fewer calls, never more.
    Poco::Logger::get("keywarden.quota")
        .warning("key %s: %Ld leased unit(s) not handed back after a refill change: %s", id,
                 static_cast<long long>(back), std::string(e.what()));
  }
}

}  // namespace keywarden::engine
