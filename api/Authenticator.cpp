#include "api/Authenticator.h"

#include <Poco/Ascii.h>

#include <Poco/String.h>

#include <algorithm>

#include "api/JsonWriter.h"

namespace keywarden::api {

using engine::Error;
using engine::Role;

std::string Authenticator::bearer(const Poco::Net::HTTPServerRequest& req) {
  static const std::string kNone;  // get()'s default must outlive the reference
  const std::string& h = req.get("Authorization", kNone);
  if (h.size() > 7 && Poco::icompare(h.substr(0, 7), "Bearer ") == 0)
    return Poco::trim(h.substr(7));
  return {};
}

bool Authenticator::require(Exchange& ex, std::initializer_list<Role> roles) {
  std::string token = bearer(ex.request());
  if (token.empty()) {
    ex.sendError(Error::unauthenticated("send an access token as 'Authorization: Bearer <token>'"));
    return false;
  }
  engine::AttemptKey source;
  bool known = false;
  if (_guard) {
    auto fields = HeaderFields::of(ex.request());
    known = _source.of(IpAddress::of(ex.request().clientAddress().addr()),
                       HeaderFields(fields.data(), fields.size()), source);
    int64_t now = _guard->clock().nowMs();
    if (int64_t until = known ? _guard->linkBlocked(source, now) : 0) {
      int64_t seconds = std::max<int64_t>(1, (until - now + 999) / 1000);
      ex.response().set("Retry-After", std::to_string(seconds));
      JsonWriter w;
      w.beginObject()
          .objectField("error")
          .field("code", "TOO_MANY_ATTEMPTS")
          .field("message",
                 "too many unknown access tokens came from this client address; try "
                 "again in " +
                     std::to_string(seconds) + " s")
          .endObject()
          .endObject();
      ex.sendJson(429, w.str());
      return false;
    }
  }
  auto p = _tokens.authenticate(token);
  if (!p) {
    if (_guard && known) _guard->linkFailed(source, _guard->clock().nowMs());
    ex.sendError(Error::unauthenticated("the access token is not known"));
    return false;
  }
  bool allowed = false;
  for (Role r : roles) allowed = allowed || p->role == r;
  if (!allowed) {
    ex.sendError(Error::forbidden("FORBIDDEN_ROLE", "a token of role '" +
                                                        std::string(engine::roleName(p->role)) +
                                                        "' may not call this endpoint"));
    return false;
  }
  ex.principal = std::move(p);
  return true;
}

std::string_view Authenticator::bearer(HeaderFields fields) {
  const std::string_view* h = fields.find("Authorization");
  if (!h || h->size() <= 7 || !HeaderFields::nameIs(h->substr(0, 7), "Bearer ")) return {};
  std::string_view t = h->substr(7);
  while (!t.empty() && Poco::Ascii::isSpace(static_cast<unsigned char>(t.front())))
    t.remove_prefix(1);
  while (!t.empty() && Poco::Ascii::isSpace(static_cast<unsigned char>(t.back())))
    t.remove_suffix(1);
  return t;
}

std::optional<engine::Principal> Authenticator::gateway(HeaderFields fields, bool* unknown) {
  const std::string_view* given = fields.find("X-Gateway-Token");
  std::string_view token = given ? *given : std::string_view();
  if (token.empty()) token = bearer(fields);
  auto p = token.empty() ? std::nullopt : _tokens.authenticate(std::string(token));
  if (unknown) *unknown = !token.empty() && !p;
  if (!p || (p->role != Role::Gateway && p->role != Role::Admin)) return std::nullopt;
  return p;
}

std::optional<engine::Principal> Authenticator::gateway(Exchange& ex) {
  std::string token = ex.request().get("X-Gateway-Token", "");
  if (token.empty()) token = bearer(ex.request());
  auto p = token.empty() ? std::nullopt : _tokens.authenticate(token);
  if (!p || (p->role != Role::Gateway && p->role != Role::Admin)) return std::nullopt;
  return p;
}

}  // namespace keywarden::api
