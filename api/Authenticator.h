#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include "api/Exchange.h"
#include "engine/access/TokenService.h"

namespace keywarden::api {

// Checks the caller's access token and role. On failure it answers 401/403 itself.
class Authenticator {
 public:
  explicit Authenticator(engine::TokenService& tokens) : _tokens(tokens) {}

  // `Authorization: Bearer <token>` of one of `roles`; sets ex.principal.
  bool require(Exchange& ex, std::initializer_list<engine::Role> roles);
  // For gateway endpoints: the token in `X-Gateway-Token` (or a Bearer token) of role gateway
  // or admin. Returns the principal, or nullopt after answering.
  std::optional<engine::Principal> gateway(Exchange& ex);
  static std::string bearer(const Poco::Net::HTTPServerRequest& req);

 private:
  engine::TokenService& _tokens;
};

}  // namespace keywarden::api
