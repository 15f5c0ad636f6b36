#pragma once

#include "api/Authenticator.h"
#include "api/Router.h"
#include "engine/access/TokenService.h"

namespace keywarden::api {

// Access tokens over HTTP (contract §8, issue 15), admins only: POST /v1/tokens {role, name,
// email?, tenant?} → 201 with `token` (shown this once); GET /v1/tokens → {tokens:[…]} (never
// the token nor its digest); DELETE /v1/tokens/{id} → 200 with the revoked token. A tenant
// admin works within its own tenant (TokenService).
class TokenHandlers {
 public:
  TokenHandlers(engine::TokenService& tokens, Authenticator& auth) : _tokens(tokens), _auth(auth) {}
  void install(Router& router);

 private:
  void create(Exchange& ex);

  engine::TokenService& _tokens;
  Authenticator& _auth;
};

}  // namespace keywarden::api
