#pragma once

#include <string>

#include "api/Authenticator.h"
#include "api/GatewaySettings.h"
#include "api/Router.h"
#include "engine/Verifier.h"

namespace keywarden::api {

// The gateway-facing endpoints: POST /v1/keys/verify (JSON) and /v1/gateway/auth (forward-auth
// for nginx auth_request, Traefik ForwardAuth, Envoy ext_authz).
class VerifyHandlers {
 public:
  VerifyHandlers(engine::Verifier& verifier, Authenticator& auth, GatewaySettings settings)
      : _verifier(verifier), _auth(auth), _settings(std::move(settings)) {}
  void install(Router& router);

  void verify(Exchange& ex);
  void forwardAuth(Exchange& ex);

 private:
  // The method and (decoded) path of the call the gateway asks about.
  void originalRequest(Exchange& ex, std::string& method, std::string& path) const;
  // Returns the presented key ("" when none) from the configured places.
  std::string presentedKey(Exchange& ex) const;
  // When gateway.requireToken is set: the caller's tenant scope, or false after answering 401.
  bool gatewayCaller(Exchange& ex, std::string& tenant, bool json);

  engine::Verifier& _verifier;
  Authenticator& _auth;
  const GatewaySettings _settings;
};

}  // namespace keywarden::api
