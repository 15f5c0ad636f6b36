#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/base/Clock.h"
#include "engine/base/Result.h"
#include "engine/ports/Store.h"
#include "engine/ports/UsageRepository.h"

namespace keywarden::engine {

// One bucket of a usage series: its start (UTC epoch ms) and, per verification outcome
// (VALID, FORBIDDEN, … as in contract §4), how many checks had it. Outcomes with no check are
// left out, so an empty bucket has no counts.
struct UsageBucket {
  int64_t start = 0;
  std::vector<std::pair<std::string, int64_t>> counts;  // by outcome name, in name order
};

// A checked and aligned range: from and to are bucket starts of `grain`, from < to.
struct UsageRange {
  int64_t from = 0;
  int64_t to = 0;  // exclusive
  UsageGrain grain = UsageGrain::Hour;
};

// Every bucket of the range, oldest first, zero-filled (an empty bucket is listed with no
// counts).
struct UsageSeries {
  UsageRange range;
  std::vector<UsageBucket> buckets;
};

// Reads the usage history (issue 15): how a key's — or every key of a client's — checks
// turned out, per minute, hour or day. Counts are those the usage flusher has written: checks
// of the last `usage.flushInterval` are not in yet. Minute buckets are kept at least a day,
// hour buckets at least 30 days, day buckets for `retention.usage`; older buckets of a grain
// read as empty. Thread-safe (each call is one read transaction).
class UsageHistory {
 public:
  static constexpr int64_t kMaxBuckets = 1440;  // a day of minutes, 60 days of hours
  static constexpr int64_t kDefaultSpanMs = 86'400'000;

  UsageHistory(Store& store, const Clock& clock) : _store(store), _clock(clock) {}

  // "minute", "hour", "day"; nullopt for anything else.
  static std::optional<UsageGrain> parseGrain(std::string_view s);
  static std::string_view grainName(UsageGrain g);
  // Checks and aligns a range. Defaults: `to` now, `from` 24 h before `to`; the grain, when
  // not given, follows the span: up to 2 h minutes, up to 31 days hours, else days. `from` is
  // rounded down and `to` up to bucket starts. Errors (422 UNPROCESSABLE, naming `from` or `to`):
  // to not after from, or more than kMaxBuckets buckets.
  static Result<UsageRange> range(std::optional<int64_t> from, std::optional<int64_t> to,
                                  std::optional<UsageGrain> grain, int64_t now);
  // The same with `now` from the clock.
  Result<UsageRange> range(std::optional<int64_t> from, std::optional<int64_t> to,
                           std::optional<UsageGrain> grain) const {
    return range(from, to, grain, _clock.nowMs());
  }

  // The series of key `keyId`; NOT_FOUND when there is no such key, or it is of another tenant
  // than `tenant` (empty: any tenant).
  Result<UsageSeries> forKey(const std::string& keyId, const std::string& tenant,
                             const UsageRange& r) const;
  // The same summed over every key of client `clientId` (its purged keys included).
  Result<UsageSeries> forClient(const std::string& clientId, const std::string& tenant,
                                const UsageRange& r) const;

  // Reads the buckets from the grains the history holds: `g` where rolled up, the finer
  // grains after that (UsageRollup). `client`: `id` is a client's, else a key's. Checks no
  // tenant; for callers that already hold a transaction.
  static UsageSeries read(Transaction& tx, bool client, const std::string& id, const UsageRange& r);

 private:
  Store& _store;
  const Clock& _clock;
};

}  // namespace keywarden::engine
