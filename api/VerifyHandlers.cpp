#include "api/VerifyHandlers.h"

#include <Poco/Logger.h>
#include <Poco/Net/NameValueCollection.h>

#include "api/JsonWriter.h"
#include "api/OriginalRequest.h"

namespace keywarden::api {

using engine::VerifyCode;

namespace {
// One line per refusal: the method (when it is a token), the reason and why — never the key,
// nor the path or query (a client may put anything there, a key included).
void logRefusal(const engine::RequestTarget& t, const engine::VerifyResult& r,
                const char* channel) {
  static Poco::Logger& log = Poco::Logger::get("keywarden.gateway");
  if (!log.information()) return;
  std::string method = t.refusal() == engine::RequestTarget::Refusal::AmbiguousMethod
                           ? std::string("?")
                           : std::string(t.method().empty() ? "?" : t.method());
  log.information("%s refused %s (key %s): %s, %s", std::string(channel), method,
                  std::string(r.found ? r.keyId.view() : "unknown"),
                  std::string(engine::RequestTarget::refusalName(r.refusal)), std::string(t.why()));
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
  if (!b->error() && method.empty() != path.empty())
    b->fail(method.empty() ? "method" : "path", "method and path go together");
  if (b->error()) return ex.sendError(*b->error());

  engine::RequestTarget target;  // the same rule as forward-auth
  if (!path.empty()) {
    target.checkMethod(method);
    target.parse(path);
  }
  engine::VerifyRequest req;
  req.key = key;
  req.method = target.method();
  req.path = target.path();
  req.refusal = target.refusal();
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
  if (r.refusal != engine::RequestTarget::Refusal::None) {
    w.field("reason", std::string(engine::RequestTarget::refusalName(r.refusal)));
    logRefusal(target, r, "verify");
  }
  w.endObject();
  ex.sendJson(200, w.str());
}

std::string VerifyHandlers::presentedKey(Exchange& ex) const {
  // NameValueCollection::get(name, default) returns a reference to `default` when the name is
  // absent: the default must outlive it (a literal "" would be a temporary: use after scope).
  static const std::string kNone;
  auto& req = ex.request();
  for (const auto& s : _settings.keySources) {
    switch (s.kind) {
      case GatewaySettings::KeySource::Header: {
        const std::string& v = req.get(s.name, kNone);
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
        const std::string& v = cookies.get(s.name, kNone);
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

void VerifyHandlers::forwardAuth(Exchange& ex) {
  std::string tenant;
  if (!gatewayCaller(ex, tenant, false)) return;
  auto& res = ex.response();
  engine::RequestTarget target;
  OriginalRequest::read(ex.request(), target);

  std::string key = presentedKey(ex);
  engine::VerifyResult r;
  if (key.empty()) {
    r.code = VerifyCode::Malformed;  // nothing presented: answered like a malformed key
  } else {
    engine::VerifyRequest vr;
    vr.key = key;
    vr.method = target.method();
    vr.path = target.path();
    vr.refusal = target.refusal();
    vr.tenant = tenant;
    r = _verifier.verify(vr);
  }
  res.set("X-Keywarden-Code", std::string(engine::verifyCodeName(r.code)));
  if (r.refusal != engine::RequestTarget::Refusal::None) {
    res.set("X-Keywarden-Reason", std::string(engine::RequestTarget::refusalName(r.refusal)));
    logRefusal(target, r, "forward-auth");
  }
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
