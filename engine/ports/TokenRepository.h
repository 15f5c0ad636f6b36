#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model/AccessToken.h"

namespace keywarden::engine {

// Access tokens of Keywarden's own API, by digest. Methods run inside the caller's Transaction.
class TokenRepository {
 public:
  virtual ~TokenRepository() = default;
  virtual void insert(const AccessToken& t) = 0;
  virtual std::optional<AccessToken> findByDigest(const std::string& digestHex) = 0;
  virtual int64_t countActive(Role role) = 0;
  // Every token (revoked ones too), oldest first; never the digest's plaintext, which is not kept.
  virtual std::vector<AccessToken> list() = 0;
  // Marks the token revoked at `at`; false when there is no such unrevoked token.
  virtual bool revoke(const std::string& id, int64_t at) = 0;
};

}  // namespace keywarden::engine
