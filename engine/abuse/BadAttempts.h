#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/abuse/AbuseGuard.h"
#include "engine/base/Result.h"
#include "engine/model/AccessToken.h"

namespace keywarden::engine {

// One row of the "bad attempts" view (GET /v1/bad-attempts).
struct BadAttempt {
  std::string table;  // "source" (key checks by client address), "prefix" (by key start),
                      // "link" (sign-in and approver links by client address)
  std::string key;    // the client address or the key start
  uint64_t failures = 0;
  int inWindow = 0;
  uint64_t refused = 0;
  int64_t firstSeen = 0, lastSeen = 0;
  int64_t blockedUntil = 0;  // 0: not blocked
};

// The admin's view of what the AbuseGuard counts on this instance: entries with failures, the
// blocked ones first, then by last failure, newest first. For admin tokens of all tenants
// (client addresses are not a tenant's). Thread-safe; allocates (never on the check path).
class BadAttempts {
 public:
  struct Filter {
    std::string table;  // "" or source, prefix, link
    bool blockedOnly = false;
    size_t limit = 100;  // 1-1000
  };
  explicit BadAttempts(const AbuseGuard& guard) : _guard(guard) {}
  Result<std::vector<BadAttempt>> list(const Principal& p, const Filter& f) const;

 private:
  const AbuseGuard& _guard;
};

}  // namespace keywarden::engine
