#include "api/VerifyHandlers.h"

#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "api/JsonWriter.h"

namespace keywarden::api {

using engine::VerifyCode;

namespace {
// A path no API matches and the verifier refuses (not canonical): for requests whose real
// target cannot be known for sure.
const char* kUnknowable = "/\\";

// Percent-decodes a request path. An encoded '/' or '\\' would let one path pass for another
// at the upstream, and a bad escape has no meaning: both become kUnknowable.
std::string decodePath(const std::string& raw) {
  std::string lowered = Poco::toLower(raw);
  if (lowered.find("%2f") != std::string::npos || lowered.find("%5c") != std::string::npos)
    return kUnknowable;
  std::string out;
  try {
    Poco::URI::decode(raw, out);
  } catch (const Poco::Exception&) {
    return kUnknowable;
  }
  return out.empty() ? "/" : out;
}
}  // namespace

void VerifyHandlers::install(Router& r) {
  r.add("POST", "/v1/keys/verify", [this](Exchange& ex) { verify(ex); });
  for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    r.add(m, "/v1/gateway/auth", [this](Exchange& ex) { forwardAuth(ex); });
    r.add(m, "/v1/gateway/auth/{*path}", [this](Exchange& ex) { forwardAuth(ex); });
  }
}

bool VerifyHandlers::gatewayCaller(Exchange& ex, std::string& tenant, bool json) {
  if (!_settings.requireToken) return true;
  auto p = _auth.gateway(ex);
  if (p) {
    tenant = p->tenant;
    return true;
  }
  if (json) {
    ex.sendError(engine::Error::unauthenticated("send a gateway token in X-Gateway-Token"));
  } else {
    ex.response().set("X-Keywarden-Code", "UNAUTHENTICATED");
    ex.sendEmpty(401);
  }
  return false;
}

void VerifyHandlers::verify(Exchange& ex) {
  std::string tenant;
  if (!gatewayCaller(ex, tenant, true)) return;
  auto b = ex.json(false);
  if (!b) return;
  std::string key, method, path;
  std::vector<std::string> scopes;
  int64_t cost = 1;
  b->onlyFields({"key", "method", "path", "scopes", "cost"})
      .str("key", key, true)
      .str("method", method)
      .str("path", path)
      .scopeList("scopes", scopes)
      .integer("cost", cost, 0, 1'000'000'000);
  if (!b->error() && !path.empty() && path[0] != '/') b->fail("path", "path must start with '/'");
  if (!path.empty()) path = decodePath(path);
  if (!b->error() && method.empty() != path.empty())
    b->fail(method.empty() ? "method" : "path", "method and path go together");
  if (b->error()) return ex.sendError(*b->error());

  engine::VerifyRequest req;
  req.key = key;
  req.method = method;
  req.path = path;
  req.scopes = &scopes;
  req.cost = cost;
  req.wantMeta = true;  // this answer carries it; the forward-auth one does not
  req.tenant = tenant;
  engine::VerifyResult r = _verifier.verify(req);

  JsonWriter w;
  w.beginObject()
      .field("valid", r.code == VerifyCode::Valid)
      .field("code", engine::verifyCodeName(r.code));
  if (r.found) {
    w.field("keyId", std::string(r.keyId.view()));
    if (r.clientId->empty())
      w.nullField("clientId");
    else
      w.field("clientId", *r.clientId);
    if (r.clientId->empty())
      w.nullField("clientType");
    else
      w.field("clientType", r.clientType ? *r.clientType : std::string());
    w.field("tenant", *r.tenant)
        .field("scopes", r.grants->scopes)
        .timeField("expiresAt", r.expiresAt)
        .field("remaining", r.remaining)
        .rawField("meta", r.meta.empty() ? "{}" : r.meta);
  } else {
    for (const char* f :
         {"keyId", "clientId", "clientType", "tenant", "scopes", "expiresAt", "remaining", "meta"})
      w.nullField(f);
  }
  if (r.code == VerifyCode::RateLimited) w.field("retryAfterMs", r.retryAfterMs);
  w.endObject();
  ex.sendJson(200, w.str());
}

std::string VerifyHandlers::presentedKey(Exchange& ex) const {
  auto& req = ex.request();
  for (const auto& s : _settings.keySources) {
    switch (s.kind) {
      case GatewaySettings::KeySource::Header: {
        const std::string& v = req.get(s.name, "");
        if (!v.empty()) return v;
        break;
      }
      case GatewaySettings::KeySource::Bearer: {
        std::string v = Authenticator::bearer(req);
        if (!v.empty()) return v;
        break;
      }
      case GatewaySettings::KeySource::Cookie: {
        if (!req.has("Cookie")) break;
        Poco::Net::NameValueCollection cookies;
        req.getCookies(cookies);
        const std::string& v = cookies.get(s.name, "");
        if (!v.empty()) return v;
        break;
      }
      case GatewaySettings::KeySource::Query: {
        std::string v = ex.query(s.name);
        if (!v.empty()) return v;
        break;
      }
    }
  }
  return {};
}

void VerifyHandlers::originalRequest(Exchange& ex, std::string& method, std::string& path) const {
  auto& req = ex.request();
  const std::string& origMethod = req.get("X-Original-Method", "");
  const std::string& origUri = req.get("X-Original-URI", "");
  const std::string& fwdMethod = req.get("X-Forwarded-Method", "");
  const std::string& fwdUri = req.get("X-Forwarded-Uri", "");
  method = !origMethod.empty() ? origMethod : !fwdMethod.empty() ? fwdMethod : req.getMethod();
  std::string uri = !origUri.empty() ? origUri : fwdUri;
  if (uri.empty()) {
    static const std::string prefix = "/v1/gateway/auth";
    uri = ex.path().size() > prefix.size() ? ex.path().substr(prefix.size()) : "/";
  }
  path = decodePath(uri.substr(0, uri.find_first_of("?#")));
  // Both families present and disagreeing: one of them came from the client (Traefik passes
  // client headers through unless told otherwise), so neither can be trusted.
  if ((!origUri.empty() && !fwdUri.empty() && origUri != fwdUri) ||
      (!origMethod.empty() && !fwdMethod.empty() && Poco::icompare(origMethod, fwdMethod) != 0))
    path = kUnknowable;
}

void VerifyHandlers::forwardAuth(Exchange& ex) {
  std::string tenant;
  if (!gatewayCaller(ex, tenant, false)) return;
  auto& res = ex.response();
  std::string method, path;
  originalRequest(ex, method, path);

  std::string key = presentedKey(ex);
  engine::VerifyResult r;
  if (key.empty()) {
    r.code = VerifyCode::Malformed;  // nothing presented: answered like a malformed key
  } else {
    engine::VerifyRequest vr;
    vr.key = key;
    vr.method = method;
    vr.path = path;
    vr.tenant = tenant;
    r = _verifier.verify(vr);
  }
  res.set("X-Keywarden-Code", std::string(engine::verifyCodeName(r.code)));
  int status = 403;
  switch (r.code) {
    case VerifyCode::Valid: {
      res.set("X-Keywarden-Key-Id", std::string(r.keyId.view()));
      res.set("X-Keywarden-Client-Id", *r.clientId);
      std::string scopes;
      for (const auto& s : r.grants->scopes) {
        if (!scopes.empty()) scopes.push_back(',');
        scopes += s;
      }
      res.set("X-Keywarden-Scopes", scopes);
      res.set("X-Keywarden-Remaining", std::to_string(r.remaining));
      status = 200;
      break;
    }
    case VerifyCode::Malformed:
    case VerifyCode::NotFound:
      res.set("WWW-Authenticate", "Key realm=\"keywarden\"");
      status = 401;
      break;
    case VerifyCode::RateLimited:
      status = _settings.rateLimitStatus;
      res.set("Retry-After", std::to_string((r.retryAfterMs + 999) / 1000));
      break;
    default:
      status = 403;
  }
  ex.sendEmpty(status);
}

}  // namespace keywarden::api
