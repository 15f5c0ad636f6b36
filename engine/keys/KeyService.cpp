#include "engine/keys/KeyService.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <unordered_set>

#include "engine/base/Ids.h"
#include "engine/catalog/CatalogService.h"
#include "engine/check/StoreQuotaSource.h"
#include "engine/cluster/CachePublisher.h"
#include "engine/crypto/KeyCodec.h"
#include "engine/keys/CacheWarmer.h"
#include "engine/model/RefillPeriod.h"
#include "engine/text/JsonText.h"
#include "engine/text/Validation.h"

namespace keywarden::engine {

Error KeyService::stateConflict(const Key& k, KeyState eff, const std::string& what) {
  return Error::conflict("INVALID_STATE", "key '" + k.id + "' is " +
                                              std::string(keyStateName(eff)) + ": cannot " + what);
}

KeyService::KeyService(Store& store, KeyCache& cache, const Clock& clock, std::string prefix,
                       const Notices* notices, int64_t expiryReminderMs)
    : _store(store),
      _cache(cache),
      _clock(clock),
      _prefix(std::move(prefix)),
      _notices(notices),
      _reminderMs(expiryReminderMs) {}

size_t KeyService::warmCache() {
  // The order of keys does not matter: a shared quota account is configured whenever its
  // owning key arrives (see KeyCache::upsertKey).
  return CacheWarmer::warm(_store, _cache);
}

void KeyService::audit(Transaction& tx, const Principal& p, const std::string& action, const Key& k,
                       const std::string& detail) {
  tx.audit().append({_clock.nowMs(), p.actor(), action, "key", k.id, k.tenant, detail});
}

std::optional<Error> KeyService::checkSpec(Transaction& tx, const KeySpec& s, int64_t now) const {
  if (auto e = Validation::name("name", s.name, true)) return e;
  if (auto e = Validation::scopes("scopes", s.scopes)) return e;
  for (const auto& a : s.apis) {
    auto api = tx.catalog().findApi(a);
    if (!api || api->tenant != s.tenant)
      return Error::badInput("apis", "API '" + a + "' does not exist in tenant '" + s.tenant + "'",
                             "UNKNOWN_API");
  }
  for (const auto& g : s.groups) {
    auto group = tx.catalog().findGroup(g);
    if (!group || group->tenant != s.tenant)
      return Error::badInput("groups",
                             "group '" + g + "' does not exist in tenant '" + s.tenant + "'",
                             "UNKNOWN_GROUP");
  }
  if (s.expiresAt != 0 && s.expiresAt <= now)
    return Error::badInput("expiresAt", "expiresAt is in the past");
  if (s.expiresAt != 0 && s.effectiveAt != 0 && s.effectiveAt >= s.expiresAt)
    return Error::badInput("effectiveAt", "effectiveAt must be before expiresAt");
  if (s.quota < -1) return Error::badInput("quota", "quota must be -1 (unlimited) or at least 0");
  if (s.refillInterval != RefillInterval::None && s.quota < 0)
    return Error::badInput("refill", "refill needs a quota (quota is -1, unlimited)");
  if (s.refillInterval != RefillInterval::None && s.refillAmount < 1)
    return Error::badInput("refill.amount", "refill.amount must be at least 1");
  if ((s.rateLimit != 0 || s.rateWindowMs != 0) && s.rateLimit < 1)
    return Error::badInput("rateLimit.limit", "rateLimit.limit must be at least 1");
  if ((s.rateLimit != 0 || s.rateWindowMs != 0) && s.rateWindowMs < 1)
    return Error::badInput("rateLimit.window", "rateLimit needs a window such as \"1s\"");
  return std::nullopt;
}

Result<IssuedKey> KeyService::issue(const Principal& p, const KeySpec& in) {
  return _store.write([&](Transaction& tx) { return issueIn(tx, p, in, _clock.nowMs()); });
}

Result<IssuedKey> KeyService::issueIn(Transaction& tx, const Principal& p, const KeySpec& in,
                                      int64_t now) {
  KeySpec s = in;
  if (!s.clientId.empty()) {
    auto c = tx.catalog().findClient(s.clientId);
    if (!c || !p.seesTenant(c->tenant))
      return Error::badInput("clientId", "client '" + s.clientId + "' does not exist",
                             "UNKNOWN_CLIENT");
    if (!s.tenant.empty() && s.tenant != c->tenant)
      return Error::badInput("tenant",
                             "tenant differs from the client's tenant '" + c->tenant + "'");
    if (!c->active)
      return Error::unprocessable("CLIENT_INACTIVE", "client '" + c->id + "' is not active",
                                  "clientId");
    s.tenant = c->tenant;
  } else {
    auto t = CatalogService::tenantFor(p, s.tenant);
    if (!t) return t.error();
    s.tenant = t.value();
  }
  if (auto e = checkSpec(tx, s, now)) return *e;
  MintedKey m = KeyCodec::mint(_prefix);
  IssuedKey out;
  Key& k = out.key;
  k.id = Ids::make("key");
  k.tenant = s.tenant;
  k.clientId = s.clientId;
  k.name = s.name;
  k.digest = m.digest;
  k.start = m.start;
  k.scopes = s.scopes;
  k.apis = s.apis;
  k.groups = s.groups;
  k.effectiveAt = s.effectiveAt;
  k.expiresAt = s.expiresAt;
  k.state = s.effectiveAt > now ? KeyState::Scheduled : KeyState::Active;
  k.quota = s.quota;
  k.remaining = s.quota;
  k.refillAmount = s.refillAmount;
  k.refillInterval = s.refillInterval;
  k.refilledAt = RefillPeriod::startOf(s.refillInterval, now);
  k.rateLimit = s.rateLimit;
  k.rateWindowMs = s.rateWindowMs;
  k.meta = s.meta;
  k.applicationId = s.applicationId;
  k.createdAt = k.updatedAt = now;
  k.version = 1;
  tx.keys().insert(k);
  scheduleJobs(tx, k, now);
  audit(tx, p, "key.issue", k, "{\"start\":" + JsonText::quoted(k.start) + "}");
  out.plaintext = std::move(m.plaintext);
  publish(tx, k);
  return out;
}

bool KeyService::readEntry(const std::string& id,
                           const std::function<void(const KeyEntry&)>& fn) const {
  KeyCache::View view(_cache);
  uint32_t slot = view.findId(id);
  if (slot == KeyCache::kNone) return false;
  std::lock_guard<std::mutex> lock(view.stripe(slot));
  fn(view.entry(slot));
  return true;
}

QuotaAccount* KeyService::accountOf(const std::string& id) const {
  QuotaAccount* account = nullptr;
  readEntry(id, [&](const KeyEntry& e) { account = e.quota; });  // lives as long as the cache
  return account;
}

Key KeyService::withLiveUsage(Key k, const Key& owner) const {
  int64_t now = _clock.nowMs();
  k.state = k.effectiveState(now);
  QuotaAccount* account = nullptr;  // lives as long as the cache
  readEntry(k.id, [&](const KeyEntry& e) {
    account = e.quota;
    k.usageValid += e.pendingValid;
    if (e.rejects)
      for (uint32_t n : e.rejects->n) k.usageRejected += n;
    k.lastUsedAt = std::max(k.lastUsedAt, e.lastUsedAt);
  });
  // The quota is the lineage's (a rotated key shows its successor's count). Remaining is the
  // stored count as just read plus the units this instance holds leased (owed ones too); units
  // another instance leased count as used until it hands them back (after a change of the
  // limit, within one poll of the change feed). Read outside the cache's locks: a check may
  // hold the account while it leases from the store.
  k.quota = owner.quota;
  if (owner.quota < 0) {
    k.remaining = -1;
  } else if (owner.refillInterval != RefillInterval::None &&
             RefillPeriod::startOf(owner.refillInterval, now) > owner.refilledAt) {
    k.remaining = owner.refillAmount;  // a new period that nobody leased from yet
  } else {
    int64_t held = account ? account->held(owner.refilledAt, now) : 0;
    k.remaining = std::max<int64_t>(0, owner.remaining + held);
  }
  return k;
}

Key KeyService::withLiveUsage(Key k) const {
  if (k.quotaKeyId.empty() || k.quotaKeyId == k.id) return withLiveUsage(k, k);
  std::optional<Key> owner;
  _store.read([&](Transaction& tx) { owner = tx.keys().find(k.quotaKeyId); });
  return owner ? withLiveUsage(std::move(k), *owner) : withLiveUsage(k, k);
}

Result<Key> KeyService::findVisible(Transaction& tx, const Principal& p,
                                    const std::string& id) const {
  auto k = tx.keys().find(id);
  if (!k || !p.seesTenant(k->tenant)) return Error::notFound("key", id);
  return std::move(*k);
}

Result<Key> KeyService::get(const Principal& p, const std::string& id) {
  // The stored count and the units this instance holds are read one after the other: when a
  // lease or a return of this instance fell in between, read again (exact on one instance).
  QuotaAccount* account = accountOf(id);
  for (int attempt = 0;; ++attempt) {
    uint64_t epoch = stableUsageEpoch();
    uint64_t writes = account ? account->storeWrites() : 0;
    std::optional<Result<Key>> r;
    std::optional<Key> owner;
    _store.read([&](Transaction& tx) {
      r = findVisible(tx, p, id);
      if (*r && !r->value().quotaKeyId.empty()) owner = tx.keys().find(r->value().quotaKeyId);
    });
    if (!*r) return r->error();
    Key live = withLiveUsage(r->value(), owner ? *owner : r->value());
    bool still = _cache.usageEpoch() == epoch && (!account || account->storeWrites() == writes);
    if (still || attempt == 4) return live;
  }
}

Result<std::vector<Key>> KeyService::list(const Principal& p, const KeyFilter& in) {
  KeyFilter f = in;
  if (!f.tenant.empty() && !p.seesTenant(f.tenant))
    return Error::forbidden("TENANT_FORBIDDEN",
                            "this token may not read tenant '" + f.tenant + "'");
  if (f.tenant.empty()) f.tenant = p.tenant;
  auto wanted = f.state;
  f.state.reset();  // stored states may lag time-driven ones: filter on the effective state
  // Read again when a usage flush committed meanwhile (at most 5 reads; see get).
  for (int attempt = 0;; ++attempt) {
    uint64_t epoch = stableUsageEpoch();
    std::vector<Key> keys;
    _store.read([&](Transaction& tx) { keys = tx.keys().list(f); });
    std::map<std::string, const Key*> byId;
    for (const auto& k : keys) byId.emplace(k.id, &k);
    std::vector<Key> out;
    out.reserve(keys.size());
    for (auto& k : keys) {
      // A rotated key shows its lineage's count: its successor is in the list, or read alone.
      auto owner = k.quotaKeyId.empty() ? byId.end() : byId.find(k.quotaKeyId);
      Key live = owner != byId.end() ? withLiveUsage(k, *owner->second) : withLiveUsage(k);
      if (!wanted || live.state == *wanted) out.push_back(std::move(live));
    }
    if (_cache.usageEpoch() == epoch || attempt == 4) return out;
  }
}

uint64_t KeyService::stableUsageEpoch() const {
  // A chunk in flight is one transaction of at most UsageFlusher's chunk of keys: wait for it
  // (up to ~200 ms, then read anyway: the figures are statistics).
  uint64_t epoch = _cache.usageEpoch();
  for (int i = 0; (epoch & 1) && i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    epoch = _cache.usageEpoch();
  }
  return epoch;
}

Result<Key> KeyService::change(const Principal& p, const std::string& id, const std::string& action,
                               const std::function<std::optional<Error>(Key&, int64_t)>& fn) {
  auto out = _store.write(
      [&](Transaction& tx) { return changeIn(tx, p, id, action, fn, _clock.nowMs()); });
  if (!out) return out.error();
  return withLiveUsage(out.value());
}

Result<Key> KeyService::changeIn(Transaction& tx, const Principal& p, const std::string& id,
                                 const std::string& action,
                                 const std::function<std::optional<Error>(Key&, int64_t)>& fn,
                                 int64_t now) {
  auto found = findVisible(tx, p, id);
  if (!found) return found.error();
  Key k = found.value();
  if (auto e = fn(k, now)) return *e;
  k.updatedAt = now;
  ++k.version;
  tx.keys().updateDefinition(k);
  scheduleJobs(tx, k, now);
  audit(tx, p, action, k);
  publish(tx, k);
  return k;
}

Result<Key> KeyService::revokeIn(Transaction& tx, const Principal& p, const std::string& id,
                                 const std::string& reason, int64_t now) {
  return changeIn(tx, p, id, "key.revoke", revocation(reason, 0), now);
}

std::function<std::optional<Error>(Key&, int64_t)> KeyService::revocation(const std::string& reason,
                                                                          int64_t at) {
  return [reason, at](Key& k, int64_t t) -> std::optional<Error> {
    KeyState eff = k.effectiveState(t);
    if (eff == KeyState::Revoked) return stateConflict(k, eff, "revoke");
    k.revokeReason = reason;
    if (at > t) {
      k.revokeAt = at;
    } else {
      k.state = KeyState::Revoked;
      k.revokeAt = t;
    }
    return std::nullopt;
  };
}

Result<Key> KeyService::disable(const Principal& p, const std::string& id,
                                const std::string& reason) {
  return change(p, id, "key.disable", [&](Key& k, int64_t now) -> std::optional<Error> {
    KeyState eff = k.effectiveState(now);
    if (eff != KeyState::Active && eff != KeyState::Scheduled)
      return stateConflict(k, eff, "disable");
    k.state = KeyState::Disabled;
    if (!reason.empty()) k.revokeReason = reason;
    return std::nullopt;
  });
}

Result<Key> KeyService::enable(const Principal& p, const std::string& id) {
  return change(p, id, "key.enable", [&](Key& k, int64_t now) -> std::optional<Error> {
    KeyState eff = k.effectiveState(now);
    if (eff != KeyState::Disabled) return stateConflict(k, eff, "enable");
    k.state = k.effectiveAt > now ? KeyState::Scheduled : KeyState::Active;
    k.revokeReason.clear();
    return std::nullopt;
  });
}

Result<Key> KeyService::revoke(const Principal& p, const std::string& id, const std::string& reason,
                               int64_t at) {
  auto out = _store.write([&](Transaction& tx) {
    int64_t now = _clock.nowMs();
    auto revoked = changeIn(tx, p, id, "key.revoke", revocation(reason, at), now);
    if (revoked && _notices) _notices->keyRevoked(tx, revoked.value(), reason, now);
    return revoked;
  });
  if (!out) return out.error();
  return withLiveUsage(out.value());
}

Result<std::vector<Key>> KeyService::listTenantKeys(const Principal& p, const std::string& tenant) {
  auto t = CatalogService::tenantFor(p, tenant);
  if (!t) return t.error();
  KeyFilter f;
  f.tenant = t.value();
  auto all = list(p, f);
  if (!all) return all;
  std::vector<Key> out;
  for (auto& k : all.value())
    if (k.state != KeyState::Revoked) out.push_back(std::move(k));
  return out;
}

Result<Key> KeyService::getTenantKey(const Principal& p, const std::string& tenant,
                                     const std::string& id) {
  auto t = CatalogService::tenantFor(p, tenant);
  if (!t) return t.error();
  auto k = get(p, id);
  if (!k || k.value().tenant != t.value() || k.value().state == KeyState::Revoked)
    return Error::notFound("key", id);
  return k;
}

Status KeyService::deleteTenantKey(const Principal& p, const std::string& tenant,
                                   const std::string& id) {
  auto k = getTenantKey(p, tenant, id);
  if (!k) return k.error();
  auto r = revoke(p, id, "deleted", 0);
  if (!r) return r.error();
  return okStatus();
}

void KeyService::publish(Transaction& tx, const Key& k) {
  CachePublisher(_cache).key(tx, k, _clock.nowMs());
}

void KeyService::returnOwed(const std::vector<std::string>& ids) {
  StoreQuotaSource source(_store);
  for (const auto& id : ids)
    if (QuotaAccount* a = accountOf(id)) a->returnOwed(source);
}

std::vector<uint64_t> KeyService::leaseCounts(const std::vector<std::string>& ids) const {
  std::vector<uint64_t> writes;
  for (const auto& id : ids) {
    QuotaAccount* a = accountOf(id);
    writes.push_back(a ? a->storeWrites() : QuotaAccount::kUnseen);
  }
  return writes;
}

void KeyService::reload(Transaction& tx, const std::vector<std::string>& ids,
                        const std::vector<uint64_t>& writes) {
  // Each account's lease count before the read (taken before the transaction, outside the
  // store's lock): a lease of this instance committing after it makes the read's stored
  // remaining possibly older than the account's own, which then keeps its own.
  std::vector<Key> found = tx.keys().findForCache(ids);
  std::unordered_set<std::string> present;
  for (const auto& k : found) present.insert(k.id);
  std::vector<std::string> gone;
  for (const auto& id : ids)
    if (!present.count(id)) gone.push_back(id);
  // Owners first, so a shared quota account is configured from its owning key.
  std::stable_partition(found.begin(), found.end(),
                        [](const Key& k) { return k.quotaKeyId.empty(); });
  std::vector<uint64_t> seen;
  for (const auto& k : found)
    seen.push_back(writes[std::find(ids.begin(), ids.end(), k.id) - ids.begin()]);
  tx.afterCommit([this, found, gone, seen] {
    for (size_t i = 0; i < found.size(); ++i) _cache.upsertKey(found[i], seen[i]);
    if (!gone.empty()) _cache.removeKeys(gone);
  });
}

}  // namespace keywarden::engine
