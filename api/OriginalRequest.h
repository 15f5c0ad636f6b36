#pragma once

#include <Poco/Net/HTTPRequest.h>

#include <string_view>

#include "api/HeaderFields.h"
#include "engine/text/RequestTarget.h"

namespace keywarden::api {

// The call a gateway asks about on `/v1/gateway/auth[/<path>]`, read from exactly one source,
// every other source present having to agree (docs/GATEWAY-PATHS.md "Where the call comes
// from"):
//   1. `X-Original-URI` with `X-Original-Method` (nginx auth_request);
//   2. else `X-Forwarded-Uri` with `X-Forwarded-Method` (Traefik, Caddy);
//   3. else the request's own method and its raw target after `/v1/gateway/auth` (Envoy
//      ext_authz path_prefix), or `/` when nothing follows the prefix.
// Refused (the target is left refused, never matched):
//   - any of those four headers more than once (Poco's get() would see only the first):
//     CONFLICTING_HEADERS;
//   - a method-override header (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override):
//     AMBIGUOUS_METHOD; a path-override header (X-Original-URL, X-Rewrite-URL: IIS, Symfony):
//     AMBIGUOUS_PATH — the client's headers reach both us and the upstream;
//   - a URI header without its family's method header (an nginx subrequest is always a GET,
//     so its own method says nothing): AMBIGUOUS_METHOD;
//   - another source present that differs from the chosen one — another URI header or the
//     path after the prefix (raw text compared), or another method header: CONFLICTING_HEADERS
//     (one of them came from the client: gateways pass client headers through);
//   - then the method and the target by engine::RequestTarget's rule.
// Stateless and thread-safe. Allocates nothing beyond what RequestTarget does.
class OriginalRequest {
 public:
  static constexpr std::string_view kPrefix = "/v1/gateway/auth";
  // The forward-auth paths: the prefix itself or anything under it (contract §4 Validation).
  static constexpr bool isForwardAuth(std::string_view path) {
    return path.substr(0, kPrefix.size()) == kPrefix &&
           (path.size() == kPrefix.size() || path[kPrefix.size()] == '/');
  }
  // The key check with a JSON body (POST only).
  static constexpr std::string_view kVerifyPath = "/v1/keys/verify";

  // Fills `target` from `req`. REQUIRES: `target` is fresh. The views in `target` point into
  // `req`, which must outlive its use.
  static void read(const Poco::Net::HTTPRequest& req, engine::RequestTarget& target);
  // The same from a request's method, raw target and fields (the event-driven gateway
  // listener, which parses without Poco). The views in `target` point into these.
  static void read(std::string_view method, std::string_view uri, HeaderFields fields,
                   engine::RequestTarget& target);
};

}  // namespace keywarden::api
