#pragma once

#include <cstdint>
#include <string>

namespace keywarden::engine::portal {

// A signed-in browser (contract §7). The cookie holds a random value that is never stored:
// the row keeps its SHA-256 (`digestHex`). Times are epoch milliseconds.
struct Session {
  std::string id;  // public row id (ses_…): what audit rows and log lines name
  std::string digestHex;
  std::string email;  // lower-case
  std::string via;    // "link" (mailed sign-in link) or "header" (portal.trustedHeader)
  int64_t createdAt = 0;
  int64_t lastSeenAt = 0;
  int64_t expiresAt = 0;  // absolute end (createdAt + portal.sessionMax)
  int64_t endedAt = 0;    // signed out or revoked; 0 while it lasts
};

// A mailed sign-in link's row: only the SHA-256 of its token is stored.
struct SigninLink {
  std::string id;
  std::string digestHex;
  std::string email;
  int64_t createdAt = 0;
  int64_t expiresAt = 0;
  int64_t usedAt = 0;  // 0 while unused
};

}  // namespace keywarden::engine::portal
