#pragma once

#include <string>
#include <string_view>

#include "api/Authenticator.h"
#include "api/ClientSource.h"
#include "api/GatewayAnswer.h"
#include "api/GatewaySettings.h"
#include "api/Router.h"
#include "engine/abuse/AbuseGuard.h"
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
  // The brute-force defence (README "Brute force and abuse"): failed checks (MALFORMED,
  // NOT_FOUND of a presented key) are counted per client address (`source`) and key start;
  // while blocked, a check is answered TOO_MANY_ATTEMPTS from memory — no digest, no cache
  // look-up, no store — with Retry-After. With gateway.requireToken, an unknown gateway token
  // counts against the client address in the link table (abuse.linkFailures), as an unknown
  // access token does; while that address is blocked every call from it is answered
  // TOO_MANY_ATTEMPTS (429 JSON on verify; forward-auth: gateway.rateLimitStatus) before the
  // token is looked at. Set before install(); nullptr: off.
  void setAbuse(engine::AbuseGuard* guard, ClientSource source) {
    _guard = guard;
    _source = std::move(source);
  }

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
  void verifyBody(const GatewayCall& call, const std::string& tenant, BodyReader& body,
                  GatewayAnswer& answer);
  // The presented key ("" when none) from the configured places; `scratch` holds it when it
  // must be decoded (cookie, query), else the result views the call's bytes.
  std::string_view presentedKey(const GatewayCall& call, std::string& scratch) const;
  // True when a configured place (any occurrence of a key header — its name also with '_' for
  // '-' —, cookie or query parameter — its value also percent-decoded, its name also as PHP reads
  // it —, any Authorization field) holds a key of `key`'s prefix other than `key`: the gate would
  // judge one key while an upstream that reads another place (or the last of repeated headers
  // or parameters) acts for another.
  bool anotherKey(const GatewayCall& call, std::string_view key) const;
  // When gateway.requireToken is set: the caller's tenant scope, or false after answering 401.
  bool gatewayCaller(const GatewayCall& call, std::string& tenant, bool json,
                     GatewayAnswer& answer);

  // Who the caller is and whether they are blocked; fills `src`/`start` (null when unknown) for
  // failed() afterwards. True when `r` was set to TOO_MANY_ATTEMPTS (counted).
  struct Attempt {
    engine::AttemptKey source, start;
    bool haveSource = false, haveStart = false;
    const char* blockedBy = "";  // TOO_MANY_ATTEMPTS: "client-address" or "key-start"
    const engine::AttemptKey* src() const { return haveSource ? &source : nullptr; }
    const engine::AttemptKey* key() const { return haveStart ? &start : nullptr; }
  };
  bool blocked(const GatewayCall& call, std::string_view key, Attempt& a, engine::VerifyResult& r);
  void failed(const Attempt& a, const engine::VerifyResult& r);

  engine::Verifier& _verifier;
  Authenticator& _auth;
  const GatewaySettings _settings;
  engine::AbuseGuard* _guard = nullptr;
  ClientSource _source;
};

}  // namespace keywarden::api
