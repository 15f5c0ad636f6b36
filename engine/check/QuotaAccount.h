#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <mutex>
#include <string>

#include "engine/check/QuotaSource.h"
#include "engine/model/Key.h"

namespace keywarden::engine {

// The quota of one key lineage as this instance sees it: units leased from the store and not
// yet consumed (`local`) plus what the store still holds. Consumption is served from `local`;
// a new block is leased only when it runs short, so the store is written once per block,
// not once per call. A crash strands at most the local units — never more than one block.
//
// A changed limit applies to the next check (README "Quota"): when the owner key's quota or
// refill changes, the leased units stop being served and go back to the store with the next
// lease, where the change has already been applied to the stored remaining (which is below 0
// while more is leased out than the new quota leaves). When the store restarted the count
// (a new refill period, or the quota turned unlimited or limited again: a newer `refilledAt`),
// the leased units belong to the old count and are dropped.
//
// A rotated key and its successor share one account: the quota belongs to the lineage. On
// rotation this account's units move to the successor's account (moveTo) and every later
// call is served there. Thread-safe; no call holds two accounts' locks except moveTo.
class QuotaAccount {
 public:
  explicit QuotaAccount(std::string keyId) : _keyId(std::move(keyId)) {}

  // Takes the owner key's quota settings and stored remaining (as just read from the store).
  // `writesSeen`: storeWrites() when `owner` was read; when this account has leased since, its
  // own figure of the store is newer than the one read, and is kept (a reload's after-commit
  // hook can land after a later lease). kUnseen: the read is the newest.
  static constexpr uint64_t kUnseen = UINT64_MAX;
  void configure(const Key& owner, uint64_t writesSeen = kUnseen);
  // Consumes `cost` units if available, leasing a block of at least `block` units when the
  // local units run short. Returns false when the quota cannot cover `cost`.
  // May throw what `source` throws (the store is unreachable): callers fail closed.
  bool tryConsume(int64_t cost, int64_t now, QuotaSource& source, int64_t block);
  // Units left (local + owed back + stored, never below 0), or -1 when unlimited.
  int64_t remaining(int64_t now) const;
  // Units this instance holds leased and not consumed (owed ones too) of the count the store
  // started at `refilledAt` (0 when the account's count is another one, or unlimited).
  int64_t held(int64_t refilledAt, int64_t now) const;
  // Returns the local units to the store (graceful shutdown).
  void giveBack(QuotaSource& source);
  // Returns the units leased under an older limit at once (after another instance's change:
  // so the stored count is exact everywhere within one poll of the change feed).
  void returnOwed(QuotaSource& source);
  // Takes every unit this account holds leased (servable and owed) of the count the store
  // labels `refilledAt`, leaving none to serve: a change that relabels the count (a new refill
  // interval) adds them back to the stored remaining in its transaction. 0 when the account's
  // count is another one or unlimited.
  int64_t surrender(int64_t refilledAt);
  // The key's quota moved to `successor` (rotation): this account's units go there, and every
  // later call on this account is served by it. Idempotent.
  void moveTo(QuotaAccount& successor);
  const std::string& keyId() const { return _keyId; }
  // Counts the writes to the store this account (or its successor) made: a reader that reads
  // the stored count and then held() retries when it changed in between.
  uint64_t storeWrites() const { return current()->_writes.load(std::memory_order_acquire); }

 private:
  void rollPeriod(int64_t now);  // REQUIRES: _m held
  // The account that serves calls now: this one, or the end of its chain of successors.
  QuotaAccount* current() {
    QuotaAccount* a = this;
    while (QuotaAccount* next = a->_movedTo.load(std::memory_order_acquire)) a = next;
    return a;
  }
  const QuotaAccount* current() const { return const_cast<QuotaAccount*>(this)->current(); }

  const std::string _keyId;
  mutable std::mutex _m;
  bool _configured = false;
  int64_t _quota = -1;
  RefillInterval _interval = RefillInterval::None;
  int64_t _refillAmount = 0;
  int64_t _local = 0;        // leased and servable
  int64_t _owed = 0;         // leased under an older limit: handed back with the next lease
  int64_t _leftInStore = 0;  // as of the last lease or configure; below 0 while owed back
  int64_t _period = 0;
  int64_t _lastAsked = INT64_MIN / 2;  // when the store was last asked for units
  std::atomic<QuotaAccount*> _movedTo{nullptr};
  std::atomic<uint64_t> _writes{0};  // bumped under _m after each lease or return
  static constexpr int64_t kRecheckMs = 1000;
};

}  // namespace keywarden::engine
