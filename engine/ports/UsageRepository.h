#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keywarden::engine {

// The widths of the usage history's buckets (issue 15): minutes are kept at least a day,
// hours at least 30 days, days for `retention.usage`. Bucket starts are UTC epoch ms,
// multiples of the width.
enum class UsageGrain { Minute = 0, Hour = 1, Day = 2 };

constexpr int64_t usageGrainMs(UsageGrain g) {
  return g == UsageGrain::Minute ? 60'000 : g == UsageGrain::Hour ? 3'600'000 : 86'400'000;
}

// One bucket's count of one verification outcome for one key.
struct UsageRow {
  std::string keyId;
  std::string clientId;  // "" when the key has no client
  std::string tenant;
  int64_t start = 0;  // bucket start, UTC epoch ms
  std::string code;   // VerifyCode name (VALID, FORBIDDEN, …)
  int64_t count = 0;
};

// A bucket's count of one outcome, summed over the keys asked for.
struct UsageCount {
  int64_t start = 0;
  std::string code;
  int64_t count = 0;
};

// The stored usage history. Methods run inside the caller's Transaction.
class UsageRepository {
 public:
  virtual ~UsageRepository() = default;
  // Adds each row's count to its bucket of grain `g` (creating the bucket).
  virtual void add(UsageGrain g, const std::vector<UsageRow>& rows) = 0;
  // Buckets of grain `g` with from <= start < to, summed per (start, code), ordered by start:
  // of one key, or of every key of one client.
  virtual std::vector<UsageCount> forKey(UsageGrain g, const std::string& keyId, int64_t from,
                                         int64_t to) = 0;
  virtual std::vector<UsageCount> forClient(UsageGrain g, const std::string& clientId, int64_t from,
                                            int64_t to) = 0;
  // Sums the buckets of grain `from` with since <= start < until into buckets of grain `to`.
  virtual void rollUp(UsageGrain from, UsageGrain to, int64_t since, int64_t until) = 0;
  // Buckets of grain `g` are complete (rolled up from the finer grain) for start < this; 0
  // before the first roll-up.
  virtual int64_t rolledUntil(UsageGrain g) = 0;
  virtual void setRolledUntil(UsageGrain g, int64_t until) = 0;
  // Deletes the buckets of grain `g` with start < before; returns how many.
  virtual int64_t purge(UsageGrain g, int64_t before) = 0;
};

}  // namespace keywarden::engine
