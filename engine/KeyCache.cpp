#include "engine/KeyCache.h"

namespace keywarden::engine {

KeyCache::KeyCache()
    : _catalog(std::make_shared<ApiCatalog>(std::vector<ApiDef>{}, std::vector<Group>{})) {}

void KeyCache::upsertKey(const Key& k) {
  auto snapshot = std::make_shared<const Key>(k);
  const std::string& owner = k.quotaKeyId.empty() ? k.id : k.quotaKeyId;
  std::shared_ptr<KeyEntry> existing;
  std::shared_ptr<QuotaAccount> account;
  bool freshAccount = false;
  {
    // Only map work under the exclusive lock: never wait here for an entry or account lock,
    // which a check may hold while it leases quota from the store.
    std::unique_lock<std::shared_mutex> lock(_mu);
    auto& slot = _accounts[owner];
    freshAccount = !slot;
    if (!slot) slot = std::make_shared<QuotaAccount>(owner);
    account = slot;
    if (freshAccount && owner == k.id) account->configure(k);  // nobody else can hold it yet
    auto it = _byId.find(k.id);
    if (it == _byId.end()) {
      auto e = std::make_shared<KeyEntry>();
      e->key = snapshot;
      e->quota = account;
      e->lastUsedAt = k.lastUsedAt;
      _byId.emplace(k.id, e);
      _byDigest.emplace(k.digest, e);
    } else {
      existing = it->second;
    }
  }
  if (!freshAccount && owner == k.id) account->configure(k);
  if (!existing) return;
  std::lock_guard<std::mutex> lock(existing->m);
  // Hooks of two commits may arrive out of order: never replace a newer definition.
  if (existing->key->version > k.version) return;
  existing->key = snapshot;
  existing->quota = account;
}

void KeyCache::markExpired(const std::vector<Key>& expired) {
  std::vector<std::pair<std::shared_ptr<KeyEntry>, const Key*>> found;
  found.reserve(expired.size());
  {
    std::shared_lock<std::shared_mutex> lock(_mu);
    for (const auto& k : expired) {
      auto it = _byId.find(k.id);
      if (it != _byId.end()) found.emplace_back(it->second, &k);
    }
  }
  for (auto& [entry, k] : found) {
    std::lock_guard<std::mutex> lock(entry->m);
    if (entry->key->version >= k->version) continue;
    auto copy = std::make_shared<Key>(*entry->key);
    copy->state = KeyState::Expired;
    copy->version = k->version;
    copy->updatedAt = k->updatedAt;
    entry->key = std::move(copy);
  }
}

void KeyCache::loadKeys(const std::vector<Key>& keys) {
  {
    std::unique_lock<std::shared_mutex> lock(_mu);
    _byId.reserve(_byId.size() + keys.size());
    _byDigest.reserve(_byDigest.size() + keys.size());
  }
  for (const auto& k : keys) upsertKey(k);
}

void KeyCache::removeKeys(const std::vector<std::string>& ids) {
  std::unique_lock<std::shared_mutex> lock(_mu);
  for (const auto& id : ids) {
    auto it = _byId.find(id);
    if (it == _byId.end()) continue;
    _byDigest.erase(it->second->key->digest);
    _byId.erase(it);
  }
}

void KeyCache::upsertClient(const Client& c) {
  std::unique_lock<std::shared_mutex> lock(_mu);
  auto& info = _clients[c.id];
  if (info.updatedAt > c.updatedAt) return;  // a later change is in already
  info = ClientInfo{c.active, c.clientType, c.updatedAt};
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

const std::shared_ptr<KeyEntry>* KeyCache::View::byDigest(const KeyDigest& d) const {
  auto it = _c._byDigest.find(d);
  return it == _c._byDigest.end() ? nullptr : &it->second;
}

const std::shared_ptr<KeyEntry>* KeyCache::View::byId(const std::string& id) const {
  auto it = _c._byId.find(id);
  return it == _c._byId.end() ? nullptr : &it->second;
}

const KeyCache::ClientInfo* KeyCache::View::client(const std::string& id) const {
  auto it = _c._clients.find(id);
  return it == _c._clients.end() ? nullptr : &it->second;
}

void KeyCache::markDirty(const std::shared_ptr<KeyEntry>& e) {
  if (e->dirty) return;
  e->dirty = true;
  std::lock_guard<std::mutex> lock(_dirtyMu);
  _dirty.push_back(e);
}

std::vector<std::shared_ptr<KeyEntry>> KeyCache::takeDirty() {
  std::lock_guard<std::mutex> lock(_dirtyMu);
  std::vector<std::shared_ptr<KeyEntry>> out;
  out.swap(_dirty);
  return out;
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
