#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/Key.h"

namespace keywarden::engine {

// What a key is issued with (POST /v1/keys, an approved application, the tenant endpoints).
struct KeySpec {
  std::string tenant;  // empty: the client's tenant
  std::string clientId;
  std::string name;
  std::vector<std::string> scopes;
  std::vector<std::string> apis;
  std::vector<std::string> groups;
  int64_t effectiveAt = 0;  // 0: now
  int64_t expiresAt = 0;    // 0: never
  int64_t quota = -1;
  int64_t refillAmount = 0;
  RefillInterval refillInterval = RefillInterval::None;
  int64_t rateLimit = 0;
  int64_t rateWindowMs = 0;
  std::string meta = "{}";
  std::string applicationId;
};

// A key just issued: its stored form and the plaintext, shown once.
struct IssuedKey {
  Key key;
  std::string plaintext;
};

}  // namespace keywarden::engine
