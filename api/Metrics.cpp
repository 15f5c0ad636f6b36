#include "api/Metrics.h"

#include <cstdio>

namespace keywarden::api {

Metrics::Metrics(std::vector<std::string> routeLabels)
    : _labels(std::move(routeLabels)), _stats(new RouteStats[_labels.size()]) {}

void Metrics::record(size_t route, int status, int64_t micros) {
  if (route >= _labels.size()) return;
  RouteStats& s = _stats[route];
  size_t si = kStatuses.size() - 1;
  for (size_t i = 0; i + 1 < kStatuses.size(); ++i)
    if (kStatuses[i] == status) si = i;
  s.byStatus[si].fetch_add(1, std::memory_order_relaxed);
  double secs = static_cast<double>(micros) / 1e6;
  size_t b = 0;
  while (b < kBuckets.size() && secs > kBuckets[b]) ++b;
  s.buckets[b].fetch_add(1, std::memory_order_relaxed);
  s.sumMicros.fetch_add(static_cast<uint64_t>(micros), std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
}

namespace {
// Verification outcomes by code, and gateway refusals by reason (the check path's counters).
void renderVerifier(const engine::Verifier& verifier, std::string& out) {
  char line[512];
  out += "# HELP keywarden_verifications_total Key verifications by outcome code.\n";
  out += "# TYPE keywarden_verifications_total counter\n";
  for (int c = 0; c < engine::kVerifyCodeCount; ++c) {
    auto code = static_cast<engine::VerifyCode>(c);
    std::snprintf(line, sizeof line, "keywarden_verifications_total{code=\"%s\"} %llu\n",
                  std::string(engine::verifyCodeName(code)).c_str(),
                  static_cast<unsigned long long>(verifier.outcomes(code)));
    out += line;
  }
  out +=
      "# HELP keywarden_gateway_refused_total Calls answered FORBIDDEN because the method or "
      "path the upstream would serve could not be known for sure, by reason.\n";
  out += "# TYPE keywarden_gateway_refused_total counter\n";
  for (int i = 1; i < engine::RequestTarget::kRefusalCount; ++i) {
    auto reason = static_cast<engine::RequestTarget::Refusal>(i);
    std::snprintf(line, sizeof line, "keywarden_gateway_refused_total{reason=\"%s\"} %llu\n",
                  std::string(engine::RequestTarget::refusalLabel(reason)).c_str(),
                  static_cast<unsigned long long>(verifier.refusals(reason)));
    out += line;
  }
}
}  // namespace

std::string Metrics::render(const engine::Verifier& verifier, const std::string& extra) const {
  std::string out;
  renderRequests(out);
  renderLatency(out);
  renderVerifier(verifier, out);
  out += extra;
  return out;
}

void Metrics::renderRequests(std::string& out) const {
  char line[512];
  out += "# HELP keywarden_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE keywarden_http_requests_total counter\n";
  for (size_t r = 0; r < _labels.size(); ++r)
    for (size_t i = 0; i < kStatuses.size(); ++i) {
      uint64_t n = _stats[r].byStatus[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      std::string status = kStatuses[i] ? std::to_string(kStatuses[i]) : "other";
      std::snprintf(line, sizeof line,
                    "keywarden_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                    _labels[r].c_str(), status.c_str(), static_cast<unsigned long long>(n));
      out += line;
    }
}

void Metrics::renderLatency(std::string& out) const {
  char line[512];
  out += "# HELP keywarden_http_request_duration_seconds HTTP request latency by route.\n";
  out += "# TYPE keywarden_http_request_duration_seconds histogram\n";
  for (size_t r = 0; r < _labels.size(); ++r) {
    const RouteStats& s = _stats[r];
    uint64_t count = s.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += s.buckets[b].load(std::memory_order_relaxed);
      // As Prometheus clients write bucket bounds: "0.005", "1", "2.5", "+Inf" (never "1.").
      char le[32] = "+Inf";
      if (b < kBuckets.size()) std::snprintf(le, sizeof le, "%g", kBuckets[b]);
      std::snprintf(line, sizeof line,
                    "keywarden_http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %llu\n",
                    _labels[r].c_str(), le, static_cast<unsigned long long>(cumulative));
      out += line;
    }
    std::snprintf(line, sizeof line,
                  "keywarden_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                  "keywarden_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                  _labels[r].c_str(), static_cast<double>(s.sumMicros.load()) / 1e6,
                  _labels[r].c_str(), static_cast<unsigned long long>(count));
    out += line;
  }
}

}  // namespace keywarden::api
