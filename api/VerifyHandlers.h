#pragma once

#include <string>

#include "api/Authenticator.h"
#include "api/GatewaySettings.h"
#include "api/Router.h"
#include "engine/check/Verifier.h"

namespace keywarden::api {

// The gateway-facing endpoints: POST /v1/keys/verify (JSON) and /v1/gateway/auth (forward-auth
// for nginx auth_request, Traefik ForwardAuth, Envoy ext_authz). Both judge the call's method
// and path through engine::RequestTarget (forward-auth reads them with OriginalRequest): a call
// whose method or path the upstream could read otherwise is FORBIDDEN with a reason
// (`reason` in verify's JSON, `X-Keywarden-Reason` on forward-auth), one log line and a count in
// keywarden_gateway_refused_total.
class VerifyHandlers {
 public:
  VerifyHandlers(engine::Verifier& verifier, Authenticator& auth, GatewaySettings settings)
      : _verifier(verifier), _auth(auth), _settings(std::move(settings)) {}
  void install(Router& router);

  void verify(Exchange& ex);
  void forwardAuth(Exchange& ex);

 private:
  // Returns the presented key ("" when none) from the configured places.
  std::string presentedKey(Exchange& ex) const;
  // When gateway.requireToken is set: the caller's tenant scope, or false after answering 401.
  bool gatewayCaller(Exchange& ex, std::string& tenant, bool json);

  engine::Verifier& _verifier;
  Authenticator& _auth;
  const GatewaySettings _settings;
};

}  // namespace keywarden::api
