#pragma once

#include <string>
#include <string_view>

#include "api/Authenticator.h"
#include "api/GatewayAnswer.h"
#include "api/GatewaySettings.h"
#include "api/Router.h"
#include "engine/check/Verifier.h"

namespace keywarden::api {

// The gateway-facing endpoints: POST /v1/keys/verify (JSON) and /v1/gateway/auth (forward-auth
// for nginx auth_request, Traefik ForwardAuth, Envoy ext_authz, Caddy forward_auth). Both judge
// the call's method and path through engine::RequestTarget (forward-auth reads them with
// OriginalRequest): a call whose method or path the upstream could read otherwise is FORBIDDEN
// with a reason (`reason` in verify's JSON, `X-Keywarden-Reason` on forward-auth), one log line
// and a count in keywarden_gateway_refused_total.
//
// The checks work on a GatewayCall and fill a GatewayAnswer, so that Poco's listener
// (http.port, through Exchange) and the event-driven one (gateway.port, api/gateway) give the
// same answers. Thread-safe after install().
class VerifyHandlers {
 public:
  VerifyHandlers(engine::Verifier& verifier, Authenticator& auth, GatewaySettings settings)
      : _verifier(verifier), _auth(auth), _settings(std::move(settings)) {}
  void install(Router& router);

  void verify(Exchange& ex);
  void forwardAuth(Exchange& ex);

  // Forward-auth on any method. Allocates nothing on a valid key presented in a header, beyond
  // the growth of `answer`'s buffers.
  void forwardAuth(const GatewayCall& call, GatewayAnswer& answer);
  // POST /v1/keys/verify with its whole body in `call.body` (at most http.maxBodyBytes: the
  // listener answers 413 before). Checks the media type as Exchange::json does.
  void verify(const GatewayCall& call, GatewayAnswer& answer);

  const GatewaySettings& settings() const { return _settings; }

 private:
  // The verify answer once the body is parsed.
  void verifyBody(const std::string& tenant, BodyReader& body, GatewayAnswer& answer);
  // The presented key ("" when none) from the configured places; `scratch` holds it when it
  // must be decoded (cookie, query), else the result views the call's bytes.
  std::string_view presentedKey(const GatewayCall& call, std::string& scratch) const;
  // When gateway.requireToken is set: the caller's tenant scope, or false after answering 401.
  bool gatewayCaller(const GatewayCall& call, std::string& tenant, bool json,
                     GatewayAnswer& answer);

  engine::Verifier& _verifier;
  Authenticator& _auth;
  const GatewaySettings _settings;
};

}  // namespace keywarden::api
