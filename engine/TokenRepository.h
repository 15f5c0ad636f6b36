#pragma once

#include <optional>
#include <string>

#include "engine/AccessToken.h"

namespace keywarden::engine {

// Access tokens of Keywarden's own API, by digest. Methods run inside the caller's Transaction.
class TokenRepository {
 public:
  virtual ~TokenRepository() = default;
  virtual void insert(const AccessToken& t) = 0;
  virtual std::optional<AccessToken> findByDigest(const std::string& digestHex) = 0;
  virtual int64_t countActive(Role role) = 0;
};

}  // namespace keywarden::engine
