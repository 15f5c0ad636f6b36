#pragma once

#include "api/Authenticator.h"
#include "api/Router.h"
#include "engine/usage/UsageHistory.h"

namespace keywarden::api {

// GET /v1/keys/{id}/usage and GET /v1/clients/{id}/usage (admin; contract §8, issue 15):
// `?from=&to=&granularity=minute|hour|day` → {granularity, from, to, buckets:[{start,
// counts:{VALID:n,…}}]}, every bucket of the range zero-filled (counts {} when none). from/to
// are RFC 3339; defaults and limits are UsageHistory::range's. A bad value → 422 naming it.
class UsageHandlers {
 public:
  UsageHandlers(engine::UsageHistory& usage, Authenticator& auth) : _usage(usage), _auth(auth) {}
  void install(Router& router);

 private:
  void series(Exchange& ex, bool client);

  engine::UsageHistory& _usage;
  Authenticator& _auth;
};

}  // namespace keywarden::api
