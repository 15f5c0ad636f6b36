#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/ApiCatalog.h"
#include "engine/Client.h"
#include "engine/KeyEntry.h"

namespace keywarden::engine {

// Everything the check path needs, in memory: keys by digest and id, the clients' flags and
// the compiled API catalog. Kept coherent with the store by the services, which call the
// mutators after each committed change. Thread-safe: readers share a lock, mutators take it
// exclusively for the time of a pointer swap.
class KeyCache {
 public:
  struct ClientInfo {
    bool active = true;
    std::string clientType;
    int64_t updatedAt = 0;
  };

  KeyCache();

  // Replaces (or adds) a key's definition, keeping its counters and quota account.
  void upsertKey(const Key& k);
  // Records that these keys expired (state and version), keeping the rest of their definition.
  void markExpired(const std::vector<Key>& expired);
  // Forgets purged keys.
  void removeKeys(const std::vector<std::string>& ids);
  void upsertClient(const Client& c);
  void removeClient(const std::string& id);
  // Installs a catalog snapshot unless one of a later `generation` is already installed.
  void setCatalog(std::shared_ptr<const ApiCatalog> catalog, uint64_t generation);
  // Loads many keys at once (start-up).
  void loadKeys(const std::vector<Key>& keys);

  // A read view: holds the shared lock while it lives. Pointers it returns die with it.
  class View {
   public:
    explicit View(const KeyCache& c) : _c(c), _lock(c._mu) {}
    // nullptr when absent.
    const std::shared_ptr<KeyEntry>* byDigest(const KeyDigest& d) const;
    const std::shared_ptr<KeyEntry>* byId(const std::string& id) const;
    const ClientInfo* client(const std::string& id) const;
    const ApiCatalog& catalog() const { return *_c._catalog; }
    std::shared_ptr<const ApiCatalog> catalogPtr() const { return _c._catalog; }

   private:
    const KeyCache& _c;
    std::shared_lock<std::shared_mutex> _lock;
  };

  // Marks `e` as holding usage to flush. Call with e->m held.
  void markDirty(const std::shared_ptr<KeyEntry>& e);
  // The entries with unflushed usage; the list starts empty again.
  std::vector<std::shared_ptr<KeyEntry>> takeDirty();
  void forEachAccount(const std::function<void(QuotaAccount&)>& fn) const;
  size_t size() const;

 private:
  mutable std::shared_mutex _mu;
  std::unordered_map<KeyDigest, std::shared_ptr<KeyEntry>, KeyDigestHash> _byDigest;
  std::unordered_map<std::string, std::shared_ptr<KeyEntry>> _byId;
  std::unordered_map<std::string, std::shared_ptr<QuotaAccount>> _accounts;
  std::unordered_map<std::string, ClientInfo> _clients;
  std::shared_ptr<const ApiCatalog> _catalog;
  uint64_t _catalogGeneration = 0;

  std::mutex _dirtyMu;
  std::vector<std::shared_ptr<KeyEntry>> _dirty;
};

}  // namespace keywarden::engine
