#pragma once

#include "api/Authenticator.h"
#include "api/Router.h"
#include "engine/keys/KeyService.h"

namespace keywarden::api {

// /v1/keys and the tenant-shaped /v1/tenants/{tenant}/apiKeys (admin).
class KeyHandlers {
 public:
  KeyHandlers(engine::KeyService& keys, Authenticator& auth) : _keys(keys), _auth(auth) {}
  void install(Router& router);

 private:
  void create(Exchange& ex);
  void list(Exchange& ex);
  void action(Exchange& ex, const std::string& what);
  void rotate(Exchange& ex);
  void tenantCreate(Exchange& ex);
  bool admin(Exchange& ex) { return _auth.require(ex, {engine::Role::Admin}); }

  engine::KeyService& _keys;
  Authenticator& _auth;
};

}  // namespace keywarden::api
