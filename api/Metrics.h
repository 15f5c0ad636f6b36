#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/check/Verifier.h"

namespace keywarden::api {

// Prometheus counters and histograms for requests by route and status, verification
// outcomes, and gateway calls refused because their target was ambiguous (by reason). Recording is
// lock-free (relaxed atomics in fixed arrays); routes are registered before the server starts.
class Metrics {
 public:
  static constexpr std::array<int, 16> kStatuses = {200, 201, 204, 400, 401, 403, 404, 405,
                                                    409, 413, 415, 422, 429, 500, 503, 0};
  static constexpr std::array<double, 13> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

  explicit Metrics(std::vector<std::string> routeLabels);
  void record(size_t route, int status, int64_t micros);
  // The text exposition, with verification outcomes from `verifier` and any extra gauges.
  std::string render(const engine::Verifier& verifier, const std::string& extra) const;

 private:
  // The parts of render(): requests by route and status, their latency histograms.
  void renderRequests(std::string& out) const;
  void renderLatency(std::string& out) const;
  struct RouteStats {
    std::array<std::atomic<uint64_t>, kStatuses.size()> byStatus{};
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<uint64_t> sumMicros{0};
    std::atomic<uint64_t> count{0};
  };
  std::vector<std::string> _labels;
  std::unique_ptr<RouteStats[]> _stats;
};

}  // namespace keywarden::api
