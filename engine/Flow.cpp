#include "engine/Flow.h"

#include <algorithm>

namespace keywarden::engine {

bool FlowLevel::isApprover(const std::string& email) const {
  return std::find(approvers.begin(), approvers.end(), email) != approvers.end();
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

namespace {
bool listHas(const std::vector<std::string>& list, const std::string& v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}
}  // namespace

bool flowMatches(const Flow& f, const RoutingFacts& facts) {
  const FlowMatch& m = f.match;
  if (!listHas(m.kinds, facts.kind) || !listHas(m.clientTypes, facts.clientType) ||
      !listHas(m.tenants, facts.tenant))
    return false;
  if (!m.scopes.empty()) {
    bool any = false;
    for (const auto& pattern : m.scopes)
      for (const auto& s : facts.scopes) any = any || globMatch(pattern, s);
    if (!any) return false;
  }
  if (m.minQuota && facts.quota >= 0 && facts.quota < *m.minQuota) return false;
  if (m.maxLifetimeDays &&
      (facts.lifetimeMs == 0 || facts.lifetimeMs > *m.maxLifetimeDays * 86'400'000))
    return false;
  return true;
}

}  // namespace keywarden::engine
