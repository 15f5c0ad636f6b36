#pragma once

#include <string>

#include "api/Authenticator.h"
#include "api/Router.h"
#include "engine/abuse/AbuseGuard.h"

namespace keywarden::api {

// GET /v1/bad-attempts?table=source|prefix|link&blocked=true&limit=N (admin of all tenants): what
// the brute-force defence counts on this instance (engine::BadAttempts), and its /metrics lines.
class AbuseHandlers {
 public:
  AbuseHandlers(engine::AbuseGuard& guard, Authenticator& auth) : _guard(guard), _auth(auth) {}
  void install(Router& router);
  // keywarden_abuse_failures_total{table}, keywarden_abuse_blocks_total{table},
  // keywarden_abuse_refused_total{table}, keywarden_abuse_blocked{table} (blocked now),
  // keywarden_abuse_untracked_total, keywarden_abuse_audit_dropped_total.
  static std::string metrics(const engine::AbuseGuard& guard);

 private:
  engine::AbuseGuard& _guard;
  Authenticator& _auth;
};

}  // namespace keywarden::api
