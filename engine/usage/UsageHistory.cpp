#include "engine/usage/UsageHistory.h"

#include <algorithm>
#include <map>

namespace keywarden::engine {

namespace {

int64_t floorTo(int64_t t, int64_t width) {
  return t - ((t % width) + width) % width;
}

int64_t ceilTo(int64_t t, int64_t width) {
  int64_t f = floorTo(t, width);
  return f == t ? t : f + width;
}

UsageGrain finer(UsageGrain g) {
  return g == UsageGrain::Day ? UsageGrain::Hour : UsageGrain::Minute;
}

}  // namespace

std::optional<UsageGrain> UsageHistory::parseGrain(std::string_view s) {
  if (s == "minute") return UsageGrain::Minute;
  if (s == "hour") return UsageGrain::Hour;
  if (s == "day") return UsageGrain::Day;
  return std::nullopt;
}

std::string_view UsageHistory::grainName(UsageGrain g) {
  return g == UsageGrain::Minute ? "minute" : g == UsageGrain::Hour ? "hour" : "day";
}

Result<UsageRange> UsageHistory::range(std::optional<int64_t> from0, std::optional<int64_t> to0,
                                       std::optional<UsageGrain> grain, int64_t now) {
  int64_t to = to0.value_or(now);
  int64_t from = from0.value_or(to - kDefaultSpanMs);
  if (to <= from)
    return Error::unprocessable("INVALID_RANGE", "'to' must be after 'from'", to0 ? "to" : "from");
  UsageRange r;
  if (grain) {
    r.grain = *grain;
  } else {
    int64_t span = to - from;
    r.grain = span <= 2 * 3'600'000LL       ? UsageGrain::Minute
              : span <= 31LL * 86'400'000LL ? UsageGrain::Hour
                                            : UsageGrain::Day;
  }
  int64_t width = usageGrainMs(r.grain);
  r.from = floorTo(from, width);
  r.to = ceilTo(to, width);
  if ((r.to - r.from) / width > kMaxBuckets)
    return Error::unprocessable("RANGE_TOO_LARGE",
                                "the range holds more than " + std::to_string(kMaxBuckets) + " " +
                                    std::string(grainName(r.grain)) +
                                    " buckets: narrow it or choose a coarser granularity",
                                "from");
  return r;
}

UsageSeries UsageHistory::read(Transaction& tx, bool client, const std::string& id,
                               const UsageRange& r) {
  const int64_t width = usageGrainMs(r.grain);
  std::map<int64_t, std::map<std::string, int64_t>> sums;
  auto take = [&](UsageGrain g, int64_t lo, int64_t hi) {
    if (hi <= lo) return;
    auto rows = client ? tx.usage().forClient(g, id, lo, hi) : tx.usage().forKey(g, id, lo, hi);
    for (const auto& c : rows) sums[floorTo(c.start, width)][c.code] += c.count;
  };
  // Grain g is complete before rolledUntil(g); after it the finer grains hold the counts
  // (rolledUntil(day) <= rolledUntil(hour), kept so by UsageRollup).
  int64_t lo = r.from;
  for (UsageGrain g = r.grain;; g = finer(g)) {
    int64_t hi = g == UsageGrain::Minute ? r.to : std::min(r.to, tx.usage().rolledUntil(g));
    take(g, lo, hi);
    lo = std::max(lo, hi);
    if (g == UsageGrain::Minute) break;
  }
  UsageSeries out;
  out.range = r;
  out.buckets.reserve(static_cast<size_t>((r.to - r.from) / width));
  for (int64_t t = r.from; t < r.to; t += width) {
    UsageBucket b;
    b.start = t;
    auto it = sums.find(t);
    if (it != sums.end())
      for (const auto& [code, n] : it->second)
        if (n > 0) b.counts.emplace_back(code, n);
    out.buckets.push_back(std::move(b));
  }
  return out;
}

Result<UsageSeries> UsageHistory::forKey(const std::string& keyId, const std::string& tenant,
                                         const UsageRange& r) const {
  std::optional<UsageSeries> out;
  _store.read([&](Transaction& tx) {
    auto k = tx.keys().find(keyId);
    if (!k || (!tenant.empty() && k->tenant != tenant)) return;
    out = read(tx, false, keyId, r);
  });
  if (!out) return Error::notFound("key", keyId);
  return std::move(*out);
}

Result<UsageSeries> UsageHistory::forClient(const std::string& clientId, const std::string& tenant,
                                            const UsageRange& r) const {
  std::optional<UsageSeries> out;
  _store.read([&](Transaction& tx) {
    auto c = tx.catalog().findClient(clientId);
    if (!c || (!tenant.empty() && c->tenant != tenant)) return;
    out = read(tx, true, clientId, r);
  });
  if (!out) return Error::notFound("client", clientId);
  return std::move(*out);
}

}  // namespace keywarden::engine
