#include "engine/abuse/BadAttempts.h"

#include <algorithm>

namespace keywarden::engine {

Result<std::vector<BadAttempt>> BadAttempts::list(const Principal& p, const Filter& f) const {
  if (p.role != Role::Admin || !p.tenant.empty())
    return Error::forbidden("FORBIDDEN_ROLE",
                            "the bad-attempts view is for admin tokens of all tenants");
  int64_t now = _guard.clock().nowMs();
  std::vector<BadAttempt> out;
  for (int i = 0; i < AbuseGuard::kTables; ++i) {
    auto t = static_cast<AbuseGuard::Table>(i);
    if (!f.table.empty() && f.table != AbuseGuard::tableName(t)) continue;
    for (auto& e : _guard.table(t).entries(now)) {
      if (f.blockedOnly && e.blockedUntil == 0) continue;
      BadAttempt b;
      b.table = AbuseGuard::tableName(t);
      b.key = std::move(e.key);
      b.failures = e.failures;
      b.inWindow = e.inWindow;
      b.refused = e.refused;
      b.firstSeen = e.firstSeen;
      b.lastSeen = e.lastSeen;
      b.blockedUntil = e.blockedUntil;
      out.push_back(std::move(b));
    }
  }
  std::sort(out.begin(), out.end(), [](const BadAttempt& a, const BadAttempt& b) {
    if ((a.blockedUntil != 0) != (b.blockedUntil != 0)) return a.blockedUntil != 0;
    if (a.lastSeen != b.lastSeen) return a.lastSeen > b.lastSeen;
    return a.key < b.key;
  });
  if (out.size() > f.limit) out.resize(f.limit);
  return out;
}

}  // namespace keywarden::engine
