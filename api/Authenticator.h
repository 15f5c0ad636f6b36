#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include "api/ClientSource.h"
#include "api/Exchange.h"
#include "api/HeaderFields.h"
#include "engine/abuse/AbuseGuard.h"
#include "engine/access/TokenService.h"

namespace keywarden::api {

// Checks the caller's access token and role. On failure it answers 401/403 itself.
class Authenticator {
 public:
  explicit Authenticator(engine::TokenService& tokens) : _tokens(tokens) {}
  // The brute-force defence for access tokens: an unknown Bearer token counts as a failed
  // attempt of the caller's client address (AbuseGuard's link table, abuse.linkFailures); while
  // the address is blocked, require() answers 429 TOO_MANY_ATTEMPTS with Retry-After before
  // looking at the token. Set before the server starts; nullptr: off.
  void setAbuse(engine::AbuseGuard* guard, ClientSource source) {
    _guard = guard;
    _source = std::move(source);
  }

  // `Authorization: Bearer <token>` of one of `roles`; sets ex.principal.
  bool require(Exchange& ex, std::initializer_list<engine::Role> roles);
  // For gateway endpoints: the token in `X-Gateway-Token` (or a Bearer token) of role gateway
  // or admin. Returns the principal, or nullopt after answering.
  std::optional<engine::Principal> gateway(Exchange& ex);
  // The same from a request's fields (the first X-Gateway-Token, else the first Authorization).
  // `unknown`, when given, is set to whether a token was presented that no one holds (a guess
  // to count; a known token of another role is not one).
  std::optional<engine::Principal> gateway(HeaderFields fields, bool* unknown = nullptr);
  static std::string bearer(const Poco::Net::HTTPServerRequest& req);
  // The token of the first Authorization field if it is `Bearer <token>` (scheme in any case,
  // the token trimmed); "" otherwise. Views `fields`.
  static std::string_view bearer(HeaderFields fields);

 private:
  engine::TokenService& _tokens;
  engine::AbuseGuard* _guard = nullptr;
  ClientSource _source;
};

}  // namespace keywarden::api
