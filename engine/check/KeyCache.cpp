#include "engine/check/KeyCache.h"

#include <algorithm>

namespace keywarden::engine {

KeyCache::KeyCache()
    : _catalog(std::make_shared<ApiCatalog>(std::vector<ApiDef>{}, std::vector<Group>{})) {}

uint32_t KeyCache::findIdLocked(std::string_view id) const {
  return _byId.find(idHash(id), [&](uint32_t s) { return _entries[s].id.view() == id; });
}

void KeyCache::define(KeyEntry& e, const Key& k, InternMemo* memo) {
  e.state = k.state;
  e.tenant = memo ? memo->string(k.tenant) : _pool.string(k.tenant);
  e.clientId = memo ? memo->string(k.clientId) : _pool.string(k.clientId);
  if (k.meta.empty() || k.meta == "{}")
    e.meta.reset();
  else if (!e.meta || *e.meta != k.meta)
    e.meta = std::make_unique<const std::string>(k.meta);
  e.grants = memo ? memo->grants(k) : _pool.grants(Grants{k.scopes, k.apis, k.groups});
  e.effectiveAt = k.effectiveAt;
  e.expiresAt = k.expiresAt;
  e.revokeAt = k.revokeAt;
  e.version = k.version;
  if (k.rateLimit > 0 && k.rateWindowMs > 0) {
    if (!e.limits) e.limits = std::make_unique<Limits>();
    e.limits->rateLimit = k.rateLimit;
    e.limits->rateWindowMs = k.rateWindowMs;
  } else {
    e.limits.reset();
  }
}

uint32_t KeyCache::newEntryLocked(const Key& k) {
  uint32_t slot;
  if (!_free.empty()) {
    slot = _free.back();
    _free.pop_back();
  } else {
    slot = static_cast<uint32_t>(_entries.size());
    _entries.emplace_back();
  }
  KeyEntry& e = _entries[slot];
  e.digest = k.digest;
  e.id.set(k.id, CachedId::fitsInline(k.id) ? nullptr : _pool.string(k.id));
  e.live = true;
  e.dirty = false;
  e.pendingValid = 0;
  e.rejects.reset();
  e.lastUsedAt = k.lastUsedAt;
  return slot;
}

void KeyCache::upsertKey(const Key& k, uint64_t writesSeen) {
  const std::string& owner = k.quotaKeyId.empty() ? k.id : k.quotaKeyId;
  // Unlimited keys of their own need no account: most keys, and ~100 bytes each.
  const bool needsAccount = !k.quotaKeyId.empty() || k.quota >= 0;
  std::shared_ptr<QuotaAccount> account;
  QuotaAccount* previous = nullptr;  // the entry's account before, when it changes
  bool freshAccount = false;
  bool applied = true;
  {
    // Never wait here for an account lock, which a check may hold while it leases quota from
    // the store: accounts are configured outside `_mu`, except one nobody else can hold yet.
    std::unique_lock<std::shared_mutex> lock(_mu);
    if (needsAccount) {
      auto& slot = _accounts[owner];
      freshAccount = !slot;
      if (!slot) slot = std::make_shared<QuotaAccount>(owner);
      account = slot;
      if (freshAccount && owner == k.id) account->configure(k);
    }
    uint32_t slot = findIdLocked(k.id);
    if (slot == kNone) {
      slot = newEntryLocked(k);
      KeyEntry& e = _entries[slot];
      define(e, k);
      e.quota = account.get();
      auto hashOf = [this](uint32_t s) { return KeyDigestHash()(_entries[s].digest); };
      _byDigest.insert(KeyDigestHash()(k.digest), slot, hashOf);
      _byId.insert(idHash(k.id), slot,
                   [this](uint32_t s) { return idHash(_entries[s].id.view()); });
      // No return here: a new owner whose account a key drawing from it created first (a
      // rotated-away key read before its successor at start-up) still configures it below.
    } else {
      KeyEntry& e = _entries[slot];
      // Hooks of two commits may arrive out of order: never replace a newer definition.
      applied = e.version <= k.version;
      if (applied) {
        define(e, k);
        if (e.quota != account.get()) previous = e.quota;
        e.quota = account.get();
      }
    }
  }
  // An older definition (hooks of two commits may arrive out of order) configures nothing.
  if (account && applied && !freshAccount && owner == k.id) account->configure(k, writesSeen);
  // Rotated: the quota moved to the successor, and so do the units this instance leased for
  // the old key (a check still holding the old account is served by the successor's).
  if (previous && account && !k.quotaKeyId.empty()) previous->moveTo(*account);
}

void KeyCache::markExpired(const std::vector<Key>& expired) {
  View view(*this);
  for (const auto& k : expired) {
    uint32_t slot = view.findId(k.id);
    if (slot == kNone) continue;
    std::lock_guard<std::mutex> lock(view.stripe(slot));
    KeyEntry& e = view.entry(slot);
    if (e.version >= k.version) continue;
    e.state = KeyState::Expired;
    e.version = k.version;
  }
}

void KeyCache::reserve(size_t keys) {
  std::unique_lock<std::shared_mutex> lock(_mu);
  _byDigest.reserve(keys, [this](uint32_t s) { return KeyDigestHash()(_entries[s].digest); });
  _byId.reserve(keys, [this](uint32_t s) { return idHash(_entries[s].id.view()); });
}

void KeyCache::loadKeys(const std::vector<Key>& keys, bool fresh) {
  // The bulk path: one exclusive lock for the whole batch and a memo of interned values. Keys
  // with a quota account, and keys already cached, go through upsertKey afterwards (accounts
  // are configured outside `_mu`; see there).
  std::vector<const Key*> slow;
  InternMemo memo(_pool);
  {
    std::unique_lock<std::shared_mutex> lock(_mu);
    size_t n = _byId.size() + keys.size();
    auto digestOf = [this](uint32_t s) { return KeyDigestHash()(_entries[s].digest); };
    auto idOf = [this](uint32_t s) { return idHash(_entries[s].id.view()); };
    _byDigest.reserve(n, digestOf);
    _byId.reserve(n, idOf);
    for (const auto& k : keys) {
      const size_t h = idHash(k.id);
      if (!k.quotaKeyId.empty() || k.quota >= 0 || (!fresh && _byId.find(h, [&](uint32_t s) {
            return _entries[s].id.view() == k.id;
          }) != kNone)) {
        slow.push_back(&k);
        continue;
      }
      uint32_t slot = newEntryLocked(k);
      KeyEntry& e = _entries[slot];
      define(e, k, &memo);
      e.quota = nullptr;
      _byDigest.insert(KeyDigestHash()(k.digest), slot, digestOf);
      _byId.insert(h, slot, idOf);
    }
  }
  for (const Key* k : slow) upsertKey(*k);
}

void KeyCache::removeKeys(const std::vector<std::string>& ids) {
  std::unique_lock<std::shared_mutex> lock(_mu);
  for (const auto& id : ids) {
    uint32_t slot = findIdLocked(id);
    if (slot == kNone) continue;
    KeyEntry& e = _entries[slot];
    _byDigest.erase(KeyDigestHash()(e.digest), slot);
    _byId.erase(idHash(id), slot);
    e.live = false;
    ++e.generation;  // a queued usage flush of the old key must not land on the next one
    e.limits.reset();
    e.meta.reset();
    e.rejects.reset();
    e.quota = nullptr;  // the account itself stays: a check may still be using it
    _free.push_back(slot);
  }
}

void KeyCache::upsertClient(const Client& c) {
  const std::string* type = _pool.string(c.clientType);
  std::unique_lock<std::shared_mutex> lock(_mu);
  auto& info = _clients[c.id];
  if (info.updatedAt > c.updatedAt) return;  // a later change is in already
  info = ClientInfo{c.active, type, c.updatedAt};
}

void KeyCache::removeClient(const std::string& id) {
  std::unique_lock<std::shared_mutex> lock(_mu);
  _clients.erase(id);
}

void KeyCache::setCatalog(std::shared_ptr<const ApiCatalog> catalog, uint64_t generation) {
  std::unique_lock<std::shared_mutex> lock(_mu);
  if (generation < _catalogGeneration) return;
  _catalogGeneration = generation;
  _catalog = std::move(catalog);
}

uint32_t KeyCache::View::findDigest(const KeyDigest& d) const {
  return _c._byDigest.find(KeyDigestHash()(d),
                           [&](uint32_t s) { return _c._entries[s].digest == d; });
}

uint32_t KeyCache::View::findId(std::string_view id) const {
  return _c.findIdLocked(id);
}

const KeyCache::ClientInfo* KeyCache::View::client(const std::string& id) const {
  auto it = _c._clients.find(id);
  return it == _c._clients.end() ? nullptr : &it->second;
}

void KeyCache::markDirty(uint32_t slot, KeyEntry& e) {
  if (e.dirty) return;
  e.dirty = true;
  std::lock_guard<std::mutex> lock(_dirtyMu);
  _dirty.emplace_back(slot, e.generation);
}

std::vector<UsageDelta> KeyCache::takeUsage(size_t max) {
  std::deque<std::pair<uint32_t, uint32_t>> dirty;
  {
    std::lock_guard<std::mutex> lock(_dirtyMu);
    if (_dirty.size() <= max) {
      dirty.swap(_dirty);
    } else {
      // The oldest `max` marks, first come first written: a key re-marked after its chunk
      // queues behind every key still waiting, so under steady load none waits for ever. The
      // rest stay (still dirty: their counts keep growing in place and are taken once, later).
      auto end = _dirty.begin() + static_cast<std::ptrdiff_t>(max);
      dirty.assign(_dirty.begin(), end);
      _dirty.erase(_dirty.begin(), end);
    }
  }
  std::vector<UsageDelta> out;
  out.reserve(dirty.size());
  View view(*this);
  for (auto [slot, generation] : dirty) {
    std::lock_guard<std::mutex> lock(view.stripe(slot));
    KeyEntry& e = view.entry(slot);
    if (!e.live || e.generation != generation) continue;  // removed meanwhile
    UsageDelta d;
    d.keyId = std::string(e.id.view());
    d.valid = e.pendingValid;
    d.lastUsedAt = e.lastUsedAt;
    d.clientId = *e.clientId;
    d.tenant = *e.tenant;
    if (e.rejects) {
      for (int i = 0; i < RejectCounts::kCount; ++i) {
        d.rejectedBy[i] = e.rejects->n[i];
        d.rejected += e.rejects->n[i];
        e.rejects->n[i] = 0;
      }
    }
    out.push_back(std::move(d));
    e.pendingValid = 0;
    e.dirty = false;
  }
  return out;
}

void KeyCache::restoreUsage(const std::vector<UsageDelta>& deltas) {
  View view(*this);
  for (const auto& d : deltas) {
    uint32_t slot = view.findId(d.keyId);
    if (slot == kNone) continue;
    std::lock_guard<std::mutex> lock(view.stripe(slot));
    KeyEntry& e = view.entry(slot);
    // Saturating: a long database outage must not wrap the 32-bit counters.
    auto add = [](uint32_t& to, int64_t n) {
      to = static_cast<uint32_t>(std::min<int64_t>(int64_t(to) + n, UINT32_MAX));
    };
    add(e.pendingValid, d.valid);
    if (d.rejected > 0) {
      if (!e.rejects) e.rejects = std::make_unique<RejectCounts>();
      for (int i = 0; i < RejectCounts::kCount; ++i) add(e.rejects->n[i], d.rejectedBy[i]);
    }
    e.lastUsedAt = std::max(e.lastUsedAt, d.lastUsedAt);
    markDirty(slot, e);
  }
}

void KeyCache::forEachAccount(const std::function<void(QuotaAccount&)>& fn) const {
  std::vector<std::shared_ptr<QuotaAccount>> all;
  {
    std::shared_lock<std::shared_mutex> lock(_mu);
    all.reserve(_accounts.size());
    for (const auto& [id, a] : _accounts) all.push_back(a);
  }
  for (const auto& a : all) fn(*a);  // outside the lock: `fn` may write to the store
}

size_t KeyCache::size() const {
  std::shared_lock<std::shared_mutex> lock(_mu);
  return _byId.size();
}

}  // namespace keywarden::engine
