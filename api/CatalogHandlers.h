#pragma once

#include "api/Authenticator.h"
#include "api/Router.h"
#include "engine/catalog/CatalogService.h"

namespace keywarden::api {

// /v1/clients, /v1/apis, /v1/groups (admin).
class CatalogHandlers {
 public:
  CatalogHandlers(engine::CatalogService& catalog, Authenticator& auth)
      : _catalog(catalog), _auth(auth) {}
  void install(Router& router);

 private:
  void createClient(Exchange& ex);
  void patchClient(Exchange& ex);
  void createApi(Exchange& ex);
  void patchApi(Exchange& ex);
  void createGroup(Exchange& ex);
  void patchGroup(Exchange& ex);
  bool admin(Exchange& ex) { return _auth.require(ex, {engine::Role::Admin}); }

  engine::CatalogService& _catalog;
  Authenticator& _auth;
};

}  // namespace keywarden::api
