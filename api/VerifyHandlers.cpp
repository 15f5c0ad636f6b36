#include "api/VerifyHandlers.h"

#include <Poco/Ascii.h>
#include <Poco/Logger.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "api/HttpSyntax.h"
#include "api/JsonWriter.h"
#include "api/LogContext.h"
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
  // The JSON log line names the key and its tenant as fields too (ids, never the key).
  LogContext::Scope about(r.found ? r.keyId.view() : std::string_view(),
                          r.found && r.tenant ? std::string_view(*r.tenant) : std::string_view());
  log.information("%s refused %s (key %s): %s, %s", std::string(channel), method,
                  std::string(r.found ? r.keyId.view() : "unknown"),
                  std::string(engine::RequestTarget::refusalName(r.refusal)), std::string(t.why()));
}

// Poco's request seen as a GatewayCall; `fields` holds the views.
GatewayCall callOf(Exchange& ex, std::vector<HeaderField>& fields) {
  fields = HeaderFields::of(ex.request());
  GatewayCall call;
  call.method = ex.request().getMethod();
  call.uri = ex.request().getURI();
  call.fields = HeaderFields(fields.data(), fields.size());
  call.peer = IpAddress::of(ex.request().clientAddress().addr());
  return call;
}

// Sends `a` through the exchange (which records the status for the metrics).
void sendAnswer(Exchange& ex, const GatewayAnswer& a) {
  auto& res = ex.response();
  for (size_t i = 0; i < a.fieldCount(); ++i) res.set(a.fieldName(i), std::string(a.fieldValue(i)));
  if (a.isJson())
    ex.sendJson(a.status(), a.body());
  else
    ex.sendEmpty(a.status());
}
// The forward-auth verdict of a check as X-Keywarden-* headers (and WWW-Authenticate,
// Retry-After); returns the status: 200, 401 (no key or no such key), the rate limit's status,
// else 403. Contract §4.
int verdictHeaders(const engine::VerifyResult& r, int rateLimitStatus, GatewayAnswer& res) {
  switch (r.code) {
    case VerifyCode::Valid: {
      res.set("X-Keywarden-Key-Id", r.keyId.view());
      res.set("X-Keywarden-Client-Id", *r.clientId);
      res.set("X-Keywarden-Scopes", "");
      bool first = true;
      for (const auto& s : r.grants->scopes) {
        if (!first) res.append(",");
        first = false;
        res.append(s);
      }
      res.setNumber("X-Keywarden-Remaining", r.remaining);
      return 200;
    }
    case VerifyCode::Malformed:
    case VerifyCode::NotFound:
      res.set("WWW-Authenticate", "Key realm=\"keywarden\"");
      return 401;
    case VerifyCode::RateLimited:
      res.setNumber("Retry-After", (r.retryAfterMs + 999) / 1000);
      return rateLimitStatus;
    default:
      return 403;
  }
}

// May a gateway reuse this answer (nginx proxy_cache)? Only when reusing it cannot break a
// limit or outlive the key: a VALID answer about a key without rate limit or quota, for at
// most gateway.cacheSeconds and the key's remaining validity. The price, documented: a
// revocation reaches a cached key within that many seconds.
void cacheControl(const engine::VerifyResult& r, int64_t cacheSeconds, GatewayAnswer& res) {
  int64_t maxAge = 0;
  if (r.code == VerifyCode::Valid && !r.limited && cacheSeconds > 0) {
    maxAge = cacheSeconds;
    if (r.validUntil != 0) maxAge = std::min<int64_t>(maxAge, (r.validUntil - r.checkedAt) / 1000);
  }
  if (maxAge > 0) {
    res.set("Cache-Control", "max-age=");
    char digits[24];
    int n = std::snprintf(digits, sizeof digits, "%lld", static_cast<long long>(maxAge));
    res.append(std::string_view(digits, static_cast<size_t>(n)));
  } else {
    res.set("Cache-Control", "no-store");
  }
}

// The JSON answer of POST /v1/keys/verify (contract §4); `blockedBy` names what blocked a
// TOO_MANY_ATTEMPTS.
std::string verifyJson(const engine::VerifyResult& r, const char* blockedBy) {
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
  if (r.code == VerifyCode::RateLimited || r.code == VerifyCode::TooManyAttempts)
    w.field("retryAfterMs", r.retryAfterMs);
  if (r.code == VerifyCode::TooManyAttempts) w.field("blocked", blockedBy);
  if (r.refusal != engine::RequestTarget::Refusal::None)
    w.field("reason", std::string(engine::RequestTarget::refusalName(r.refusal)));
  w.endObject();
  return w.take();
}
}  // namespace

bool VerifyHandlers::blocked(const GatewayCall& call, std::string_view key, Attempt& a,
                             engine::VerifyResult& r) {
  if (!_guard) return false;
  a.haveSource = _source.of(call.peer, call.fields, a.source);
  a.haveStart = !key.empty() && engine::AttemptKey::startOf(key, a.start);
  auto refusal = _guard->beforeCheck(a.src(), a.key(), _guard->clock().nowMs());
  if (!refusal.refused) return false;
  r = engine::VerifyResult();
  r.code = VerifyCode::TooManyAttempts;
  r.retryAfterMs = std::max<int64_t>(refusal.until - _guard->clock().nowMs(), 1);
  a.blockedBy = refusal.by == engine::AbuseGuard::Table::Prefix ? "key-start" : "client-address";
  _verifier.countOutcome(r.code);
  return true;
}

void VerifyHandlers::failed(const Attempt& a, const engine::VerifyResult& r) {
  // Guesses: a presented key of the wrong shape or unknown. Refusals of a real key (revoked,
  // expired, forbidden, limits) are not guesses.
  if (!_guard || (r.code != VerifyCode::Malformed && r.code != VerifyCode::NotFound)) return;
  _guard->checkFailed(a.src(), a.key(), _guard->clock().nowMs());
}

void VerifyHandlers::install(Router& r) {
  // HttpApi answers these paths before the router (they are most of the traffic, and the
  // gateway listener has no router); the routes name them for metrics and the API index.
  const std::string prefix(OriginalRequest::kPrefix);
  r.add("POST", std::string(OriginalRequest::kVerifyPath), [this](Exchange& ex) { verify(ex); });
  for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    r.add(m, prefix, [this](Exchange& ex) { forwardAuth(ex); });
    r.add(m, prefix + "/{*path}", [this](Exchange& ex) { forwardAuth(ex); });
  }
}

bool VerifyHandlers::gatewayCaller(const GatewayCall& call, std::string& tenant, bool json,
                                   GatewayAnswer& answer) {
  if (!_settings.requireToken) return true;
  // A presented gateway token that is unknown is a guess like an unknown access token: it
  // counts against the caller's client address (abuse.linkFailures); while the address is
  // blocked, the token is not looked at.
  engine::AttemptKey source;
  bool known = _guard && _source.of(call.peer, call.fields, source);
  if (known) {
    int64_t now = _guard->clock().nowMs();
    if (int64_t until = _guard->linkBlocked(source, now)) {
      int64_t seconds = std::max<int64_t>(1, (until - now + 999) / 1000);
      answer.setNumber("Retry-After", seconds);
      if (json) {
        answer.set("Cache-Control", "no-store");  // forward-auth's caller adds its own
        JsonWriter w;
        w.beginObject()
            .objectField("error")
            .field("code", "TOO_MANY_ATTEMPTS")
            .field("message",
                   "too many unknown gateway tokens came from this client address; "
                   "try again in " +
                       std::to_string(seconds) + " s")
            .endObject()
            .endObject();
        answer.json(429, w.str());
      } else {
        answer.set("X-Keywarden-Code", "TOO_MANY_ATTEMPTS");
        answer.set("X-Keywarden-Blocked", "client-address");
        answer.setStatus(_settings.rateLimitStatus);
      }
      return false;
    }
  }
  bool unknown = false;
  auto p = _auth.gateway(call.fields, &unknown);
  if (p) {
    tenant = p->tenant;
    return true;
  }
  if (known && unknown) _guard->linkFailed(source, _guard->clock().nowMs());
  if (json) {
    answer.error(engine::Error::unauthenticated("send a gateway token in X-Gateway-Token"));
  } else {
    answer.set("X-Keywarden-Code", "UNAUTHENTICATED");
    answer.setStatus(401);
  }
  return false;
}

void VerifyHandlers::verify(Exchange& ex) {
  std::vector<HeaderField> fields;
  GatewayCall call = callOf(ex, fields);
  GatewayAnswer answer;
  std::string tenant;
  // The token first: an unauthenticated caller's body is not read.
  if (gatewayCaller(call, tenant, true, answer)) {
    auto b = ex.json(false);
    if (!b) return;  // ex.json answered
    verifyBody(call, tenant, *b, answer);
  }
  sendAnswer(ex, answer);
}

void VerifyHandlers::verify(const GatewayCall& call, GatewayAnswer& answer) {
  std::string tenant;
  if (!gatewayCaller(call, tenant, true, answer)) return;
  if (auto e = Exchange::mediaTypeError(call.body.size(), call.fields)) return answer.error(*e);
  BodyReader b{std::string(call.body), false};
  if (b.error()) return answer.error(*b.error());
  verifyBody(call, tenant, b, answer);
}

void VerifyHandlers::verifyBody(const GatewayCall& call, const std::string& tenant,
                                BodyReader& body, GatewayAnswer& answer) {
  BodyReader* b = &body;
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
  if (b->error()) return answer.error(*b->error());

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
  engine::VerifyResult r;
  Attempt attempt;
  if (!blocked(call, key, attempt, r)) {
    r = _verifier.verify(req);
    failed(attempt, r);
  }

  if (r.code == VerifyCode::TooManyAttempts)
    answer.setNumber("Retry-After", (r.retryAfterMs + 999) / 1000);
  if (r.refusal != engine::RequestTarget::Refusal::None) logRefusal(target, r, "verify");
  answer.json(200, verifyJson(r, attempt.blockedBy));
}

std::string_view VerifyHandlers::presentedKey(const GatewayCall& call, std::string& scratch) const {
  // NameValueCollection::get(name, default) returns a reference to `default` when the name is
  // absent: the default must outlive it (a literal "" would be a temporary: use after scope).
  static const std::string kNone;
  for (const auto& s : _settings.keySources) {
    switch (s.kind) {
      case GatewaySettings::KeySource::Header: {
        const std::string_view* v = call.fields.find(s.name);
        if (v && !v->empty()) return *v;
        break;
      }
      case GatewaySettings::KeySource::Bearer: {
        std::string_view v = Authenticator::bearer(call.fields);
        if (!v.empty()) return v;
        break;
      }
      case GatewaySettings::KeySource::Cookie: {
        // As Poco's HTTPRequest::getCookies reads them: every Cookie field, split by
        // MessageHeader::splitParameters; the first of the name wins.
        Poco::Net::NameValueCollection cookies;
        bool any = false;
        for (const HeaderField& f : call.fields) {
          if (!HeaderFields::nameIs(f.name, "Cookie")) continue;
          any = true;
          std::string value(f.value);
          Poco::Net::MessageHeader::splitParameters(value.begin(), value.end(), cookies);
        }
        if (!any) break;
        const std::string& v = cookies.get(s.name, kNone);
        if (!v.empty()) return scratch = v;
        break;
      }
      case GatewaySettings::KeySource::Query: {
        std::string_view uri = call.uri;
        size_t q = uri.find('?');
        if (q == std::string_view::npos) break;
        scratch = Exchange::lenientQuery(std::string(uri.substr(q + 1)), s.name);
        if (!scratch.empty()) return scratch;
        break;
      }
    }
  }
  return {};
}

namespace {
// How PHP names a query parameter: leading spaces dropped, '.' and a space read as '_'.
bool phpNameIs(std::string_view decoded, std::string_view name) {
  while (!decoded.empty() && decoded.front() == ' ') decoded.remove_prefix(1);
  if (decoded.size() != name.size()) return false;
  for (size_t i = 0; i < decoded.size(); ++i) {
    char c = decoded[i] == '.' || decoded[i] == ' ' ? '_' : decoded[i];
    if (c != name[i]) return false;
  }
  return true;
}
}  // namespace

bool VerifyHandlers::anotherKey(const GatewayCall& call, std::string_view key) const {
  const size_t cut = key.find('_');
  if (cut == std::string_view::npos) return false;  // not a key: answered MALFORMED anyway
  const std::string_view prefix = key.substr(0, cut + 1);
  auto other = [&](std::string_view v) {
    while (!v.empty() && Poco::Ascii::isSpace(static_cast<unsigned char>(v.back())))
      v.remove_suffix(1);
    return v != key && v.substr(0, prefix.size()) == prefix;
  };
  // A cookie or query value as servers read it: raw, and percent-decoded (PHP, Express).
  std::string decoded;
  auto otherDecoded = [&](std::string_view v) {
    return other(v) || (v.find('%') != std::string_view::npos &&
                        HttpSyntax::formDecode(v, decoded) && other(decoded));
  };
  for (const auto& s : _settings.keySources) {
    if (s.kind != GatewaySettings::KeySource::Query) continue;
    std::string_view uri = call.uri;
    size_t q = uri.find('?');
    for (size_t at = q; at != std::string_view::npos && at < uri.size();) {
      size_t end = uri.find('&', at + 1);
      std::string_view pair =
          uri.substr(at + 1, end == std::string_view::npos ? end : end - at - 1);
      size_t eq = pair.find('=');
      std::string name;
      if (eq != std::string_view::npos && HttpSyntax::formDecode(pair.substr(0, eq), name) &&
          phpNameIs(name, s.name) && otherDecoded(pair.substr(eq + 1)))
        return true;
      at = end;
    }
  }
  for (const HeaderField& f : call.fields) {
    if (f.value.find(prefix) == std::string_view::npos &&
        f.value.find('%') == std::string_view::npos)
      continue;  // the usual case: cheap
    for (const auto& s : _settings.keySources) {
      std::string_view v = f.value;
      if (s.kind == GatewaySettings::KeySource::Header && HeaderFields::cgiNameIs(f.name, s.name) &&
          other(v))
        return true;
      if (s.kind == GatewaySettings::KeySource::Bearer &&
          HeaderFields::nameIs(f.name, "Authorization") && v.size() > 7 &&
          HeaderFields::nameIs(v.substr(0, 7), "Bearer ")) {
        v.remove_prefix(7);
        while (!v.empty() && Poco::Ascii::isSpace(static_cast<unsigned char>(v.front())))
          v.remove_prefix(1);
        if (other(v)) return true;
      }
      if (s.kind == GatewaySettings::KeySource::Cookie && HeaderFields::nameIs(f.name, "Cookie")) {
        // Split as presentedKey reads cookies (Poco's MessageHeader::splitParameters).
        Poco::Net::NameValueCollection cookies;
        std::string value(f.value);
        Poco::Net::MessageHeader::splitParameters(value.begin(), value.end(), cookies);
        for (const auto& [name, v2] : cookies) {
          std::string plain;  // PHP decodes a cookie's name as it decodes its value
          bool named = Poco::icompare(name, s.name) == 0 ||
                       (name.find('%') != std::string::npos &&
                        HttpSyntax::formDecode(name, plain) && Poco::icompare(plain, s.name) == 0);
          if (named && otherDecoded(v2)) return true;
        }
      }
    }
  }
  return false;
}

void VerifyHandlers::forwardAuth(Exchange& ex) {
  std::vector<HeaderField> fields;
  GatewayCall call = callOf(ex, fields);
  GatewayAnswer answer;
  forwardAuth(call, answer);
  sendAnswer(ex, answer);
}

void VerifyHandlers::forwardAuth(const GatewayCall& call, GatewayAnswer& res) {
  std::string tenant;
  if (!gatewayCaller(call, tenant, false, res)) {
    res.set("Cache-Control", "no-store");
    return;
  }
  std::string scratch;
  std::string_view key = presentedKey(call, scratch);
  engine::VerifyResult r;
  Attempt attempt;
  if (blocked(call, key, attempt, r)) {
    // Answered from memory: the code says why, Retry-After when the block ends; status as a
    // rate limit's (gateway.rateLimitStatus: nginx auth_request turns 429 into 500).
    res.set("X-Keywarden-Code", engine::verifyCodeName(r.code));
    res.set("X-Keywarden-Blocked", attempt.blockedBy);
    res.setNumber("Retry-After", (r.retryAfterMs + 999) / 1000);
    res.set("Cache-Control", "no-store");
    res.setStatus(_settings.rateLimitStatus);
    return;
  }
  engine::RequestTarget target;
  OriginalRequest::read(call.method, call.uri, call.fields, target);
  if (!key.empty() && anotherKey(call, key))
    target.refuse(engine::RequestTarget::Refusal::ConflictingHeaders,
                  "two different keys presented (another key header, Authorization or cookie)");
  if (key.empty()) {
    r.code = VerifyCode::Malformed;  // nothing presented: answered like a malformed key
    _verifier.countOutcome(r.code);
  } else {
    engine::VerifyRequest vr;
    vr.key = key;
    vr.method = target.method();
    vr.path = target.path();
    vr.refusal = target.refusal();
    vr.tenant = tenant;
    r = _verifier.verify(vr);
    failed(attempt, r);
  }
  res.set("X-Keywarden-Code", engine::verifyCodeName(r.code));
  if (r.refusal != engine::RequestTarget::Refusal::None) {
    res.set("X-Keywarden-Reason", engine::RequestTarget::refusalName(r.refusal));
    logRefusal(target, r, "forward-auth");
  }
  int status = verdictHeaders(r, _settings.rateLimitStatus, res);
  cacheControl(r, _settings.cacheSeconds, res);
  res.setStatus(status);
}

}  // namespace keywarden::api
