#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/check/ApiCatalog.h"
#include "engine/check/InternMemo.h"
#include "engine/check/InternPool.h"
#include "engine/check/KeyEntry.h"
#include "engine/check/SlotIndex.h"
#include "engine/model/Client.h"
#include "engine/model/Key.h"
#include "engine/ports/KeyRepository.h"

namespace keywarden::engine {

// Everything the check path needs, in memory: keys by digest and id, the clients' flags and
// the compiled API catalog. Kept coherent with the store by the services, which call the
// mutators after each committed change. Keys live packed in one slot array (KeyEntry), indexed
// by two open-addressing tables of slot numbers. Thread-safe: readers share `_mu`; adding or
// removing keys takes it exclusively; a key's counters, limits and the fields an in-place
// update may change (state, version) are guarded by one of 1024 stripe mutexes.
class KeyCache {
 public:
  struct ClientInfo {
    bool active = true;
    const std::string* clientType = nullptr;
    int64_t updatedAt = 0;
  };
  static constexpr uint32_t kNone = SlotIndex::kNone;

  KeyCache();

  // Replaces (or adds) a key's definition, keeping its counters and quota account. A changed
  // quota reconfigures the account (QuotaAccount::configure); a key rotated to a successor
  // moves its account's leased units to the successor's account.
  // `writesSeen`: the key's account's storeWrites() when `k` was read (QuotaAccount::configure).
  void upsertKey(const Key& k, uint64_t writesSeen = QuotaAccount::kUnseen);
  // Records that these keys expired (state and version), keeping the rest of their definition.
  void markExpired(const std::vector<Key>& expired);
  // Forgets purged keys.
  void removeKeys(const std::vector<std::string>& ids);
  void upsertClient(const Client& c);
  void removeClient(const std::string& id);
  // Installs a catalog snapshot unless one of a later `generation` is already installed.
  void setCatalog(std::shared_ptr<const ApiCatalog> catalog, uint64_t generation);
  // Loads many keys at once (start-up): one exclusive lock for the batch; keys with a quota
  // and keys already cached take upsertKey's path. `fresh`: the caller vouches that the ids
  // are distinct and none is cached yet (a start-up load: the store's primary key), which
  // spares a probe of the id index per key.
  void loadKeys(const std::vector<Key>& keys, bool fresh = false);
  // Sizes the digest and id indexes for `keys` cached keys in all, so that loading that many
  // never rebuilds them (each rebuild re-places every slot: half of a million-key load when
  // they grew chunk by chunk). Takes `_mu` exclusively; never shrinks.
  void reserve(size_t keys);

  // A read view: holds the shared lock while it lives. Slots and pointers it returns are valid
  // while it lives (interned pointers for good).
  class View {
   public:
    explicit View(const KeyCache& c) : _c(c), _lock(c._mu) {}
    uint32_t findDigest(const KeyDigest& d) const;
    uint32_t findId(std::string_view id) const;
    // Hold stripe(slot) while reading or writing anything of the entry.
    KeyEntry& entry(uint32_t slot) const { return const_cast<KeyEntry&>(_c._entries[slot]); }
    std::mutex& stripe(uint32_t slot) const { return _c._stripes[slot % kStripes]; }
    const ClientInfo* client(const std::string& id) const;
    const ApiCatalog& catalog() const { return *_c._catalog; }

   private:
    const KeyCache& _c;
    std::shared_lock<std::shared_mutex> _lock;
  };

  // Queues the entry in `slot` for the next usage flush. Call with its stripe held.
  void markDirty(uint32_t slot, KeyEntry& e);
  // The usage counted since the last call (counters reset), of at most `max` keys, the ones
  // marked longest ago first: the rest stay counted here for the next call. The flusher
  // writes it.
  std::vector<UsageDelta> takeUsage(size_t max = SIZE_MAX);
  // Puts back usage a failed flush took, so the next flush writes it.
  void restoreUsage(const std::vector<UsageDelta>& deltas);
  // A flush's counters are out of the cache (takeUsage) before its transaction commits, so for a
  // moment the stored usage plus the cache's counters is too low. The flusher brackets each
  // take-and-write with beginUsageFlush()/endUsageFlush() (after the commit, or after
  // restoreUsage); a reader that adds the two (KeyService, GET /v1/keys…) reads usageEpoch()
  // before and after and reads again when it was odd or changed (a sequence lock). The check
  // path never reads it. Thread-safe.
  void beginUsageFlush() { _usageEpoch.fetch_add(1, std::memory_order_acq_rel); }
  void endUsageFlush() { _usageEpoch.fetch_add(1, std::memory_order_acq_rel); }
  uint64_t usageEpoch() const { return _usageEpoch.load(std::memory_order_acquire); }
  void forEachAccount(const std::function<void(QuotaAccount&)>& fn) const;
  size_t size() const;

 private:
  // A slot for a key not cached yet (a freed one, else a new one), its identity and counters
  // set from `k`; its definition is the caller's (define). REQUIRES: `_mu` held exclusively.
  uint32_t newEntryLocked(const Key& k);
  static constexpr size_t kStripes = 1024;
  static size_t idHash(std::string_view id) { return std::hash<std::string_view>()(id); }
  uint32_t findIdLocked(std::string_view id) const;
  // Writes `k`'s definition into `e`, interning through `memo` when given (bulk loads).
  void define(KeyEntry& e, const Key& k, InternMemo* memo = nullptr);

  mutable std::shared_mutex _mu;
  std::deque<KeyEntry> _entries;  // slot -> entry; a deque never moves what it holds
  std::vector<uint32_t> _free;    // slots of removed keys, reused first
  SlotIndex _byDigest;
  SlotIndex _byId;
  // Owner key id -> account; never erased while the cache lives (entries point at them).
  std::unordered_map<std::string, std::shared_ptr<QuotaAccount>> _accounts;
  std::unordered_map<std::string, ClientInfo> _clients;
  std::shared_ptr<const ApiCatalog> _catalog;
  uint64_t _catalogGeneration = 0;
  InternPool _pool;
  mutable std::array<std::mutex, kStripes> _stripes;

  std::mutex _dirtyMu;
  // Slot and generation of each key marked since its last flush, oldest first. A deque: a chunk
  // comes off the front without moving the rest while the checks that mark wait for the lock.
  std::deque<std::pair<uint32_t, uint32_t>> _dirty;
  std::atomic<uint64_t> _usageEpoch{0};  // odd while a flush is in flight
};

}  // namespace keywarden::engine
