#include "engine/flows/Flow.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string_view>

namespace keywarden::engine {

bool FlowLevel::isApprover(const std::string& email) const {
  return std::find(approvers.begin(), approvers.end(), email) != approvers.end();
}

std::string FlowLevel::policyText() const {
  switch (policy) {
    case Policy::Any:
      return "one approval from any of them completes the level";
    case Policy::All:
      return "every one of them must approve";
    case Policy::Quorum:
      return std::to_string(quorum) + " of them must approve";
  }
  return "";
}

bool FlowLevel::satisfiedBy(const std::set<std::string>& approvedBy) const {
  size_t count = 0;
  for (const auto& a : approvers) count += approvedBy.count(a);
  switch (policy) {
    case Policy::Any:
      return count >= 1;
    case Policy::All:
      return count == approvers.size();
    case Policy::Quorum:
      return count >= static_cast<size_t>(quorum);
  }
  return false;
}

bool globMatch(const std::string& p, const std::string& t) {
  // Iterative wildcard match with one backtrack point.
  size_t pi = 0, ti = 0, star = std::string::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (star != std::string::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool scopeCouldMatch(const std::string& p, const std::string& held) {
  if (held.empty() || held.back() != '*') return globMatch(p, held);
  // `held` holds every string that starts with `prefix`. Run the pattern as a set of positions
  // over `prefix`; if any position is still live at its end, some continuation completes the
  // match (the rest of a glob always matches its own literals, each '*' taken as empty).
  const std::string_view prefix(held.data(), held.size() - 1);
  const size_t n = p.size();
  std::vector<char> live(n + 1, 0), next(n + 1, 0);
  auto close = [&](std::vector<char>& s) {  // a '*' may also match the empty run
    for (size_t i = 0; i < n; ++i)
      if (s[i] && p[i] == '*') s[i + 1] = 1;
  };
  live[0] = 1;
  close(live);
  for (char c : prefix) {
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      if (!live[i]) continue;
      size_t to = p[i] == '*' ? i : p[i] == c ? i + 1 : n + 1;
      if (to <= n) {
        next[to] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(next);
    live.swap(next);
  }
  return true;
}

namespace {
bool sameAsciiCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
bool listHas(const std::vector<std::string>& list, const std::string& v, bool anyCase) {
  if (list.empty()) return true;
  for (const auto& item : list)
    if (anyCase ? sameAsciiCase(item, v) : item == v) return true;
  return false;
}
}  // namespace

bool flowMatches(const Flow& f, const RoutingFacts& facts) {
  const FlowMatch& m = f.match;
  if (!listHas(m.kinds, facts.kind, false) || !listHas(m.clientTypes, facts.clientType, true) ||
      !listHas(m.tenants, facts.tenant, true))
    return false;
  if (!m.scopes.empty()) {
    bool any = false;
    for (const auto& pattern : m.scopes)
      for (const auto& s : facts.scopes) any = any || scopeCouldMatch(pattern, s);
    if (!any) return false;
  }
  // Unlimited (-1) is above every threshold.
  if (m.minQuota && facts.quota >= 0 && facts.quota < *m.minQuota) return false;
  if (m.maxLifetimeDays) {
    if (!facts.lifetimeMs) return false;  // no expiry: longer than any bound
    constexpr int64_t kDayMs = 86'400'000;
    // A bound beyond what milliseconds can hold takes every finite lifetime.
    if (*m.maxLifetimeDays <= std::numeric_limits<int64_t>::max() / kDayMs &&
        *facts.lifetimeMs > *m.maxLifetimeDays * kDayMs)
      return false;
  }
  return true;
}

}  // namespace keywarden::engine
