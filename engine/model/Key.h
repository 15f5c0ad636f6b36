#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/crypto/KeyDigest.h"
#include "engine/model/KeyState.h"

namespace keywarden::engine {

enum class RefillInterval { None, Daily, Monthly };

// An issued key as the store keeps it: never the plaintext, only its digest.
// Times are epoch milliseconds; 0 means "none".
struct Key {
  std::string id;
  std::string tenant = "default";
  std::string clientId;  // empty for keys made through the tenant endpoints without a client
  std::string name;
  KeyDigest digest;
  std::string start;
  KeyState state = KeyState::Active;  // the stored state; see effectiveState()
  std::vector<std::string> scopes;
  std::vector<std::string> apis;
  std::vector<std::string> groups;
  int64_t effectiveAt = 0;
  int64_t expiresAt = 0;
  int64_t quota = -1;      // -1: unlimited
  int64_t remaining = -1;  // units not yet consumed nor leased to an instance
  std::string quotaKeyId;  // whose quota this key draws from (itself, or its rotation successor)
  int64_t refillAmount = 0;
  RefillInterval refillInterval = RefillInterval::None;
  int64_t refilledAt = 0;  // start of the refill period `remaining` belongs to
  int64_t rateLimit = 0;   // 0: none
  int64_t rateWindowMs = 0;
  std::string meta = "{}";  // a JSON object, kept as text
  int64_t createdAt = 0;
  int64_t updatedAt = 0;
  int64_t lastUsedAt = 0;
  int64_t usageValid = 0;
  int64_t usageRejected = 0;
  int64_t revokeAt = 0;  // planned or past revocation
  std::string revokeReason;
  std::string rotatedTo;      // successor key id, when rotated
  std::string applicationId;  // the application that asked for it, when any
  int64_t version = 0;        // bumped on every change; guards concurrent updates

  bool unrestricted() const { return scopes.empty() && apis.empty() && groups.empty(); }
  // The state at `now`, counting time-driven transitions the scheduler may not have stored yet.
  KeyState effectiveState(int64_t now) const;
};

}  // namespace keywarden::engine
