#pragma once

#include <climits>
#include <cstdint>
#include <mutex>
#include <string>

#include "engine/Key.h"
#include "engine/QuotaSource.h"

namespace keywarden::engine {

// The quota of one key as this instance sees it: units leased from the store and not yet
// consumed (`local`) plus what the store still holds. Consumption is served from `local`;
// a new block is leased only when it runs short, so the store is written once per block,
// not once per call. A crash strands at most the local units — never more than one block.
// A rotated key and its successor share one account. Thread-safe.
class QuotaAccount {
 public:
  explicit QuotaAccount(std::string keyId) : _keyId(std::move(keyId)) {}

  // Takes the owner key's quota settings and stored remaining (as just read from the store).
  void configure(const Key& owner);
  // Consumes `cost` units if available, leasing a block of at least `block` units when the
  // local units run short. Returns false when the quota cannot cover `cost`.
  // May throw what `source` throws (the store is unreachable): callers fail closed.
  bool tryConsume(int64_t cost, int64_t now, QuotaSource& source, int64_t block);
  // Units left (local + stored), or -1 when unlimited.
  int64_t remaining(int64_t now) const;
  // Returns the local units to the store (graceful shutdown).
  void giveBack(QuotaSource& source);
  const std::string& keyId() const { return _keyId; }

 private:
  void rollPeriod(int64_t now);  // REQUIRES: _m held

  const std::string _keyId;
  mutable std::mutex _m;
  int64_t _quota = -1;
  RefillInterval _interval = RefillInterval::None;
  int64_t _refillAmount = 0;
  int64_t _local = 0;
  int64_t _leftInStore = 0;
  int64_t _period = 0;
  int64_t _lastAsked = INT64_MIN / 2;  // when the store was last asked for units
  static constexpr int64_t kRecheckMs = 1000;
};

}  // namespace keywarden::engine
