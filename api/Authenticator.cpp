#include "api/Authenticator.h"

#include <Poco/Ascii.h>

#include <Poco/String.h>

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
  auto p = _tokens.authenticate(token);
  if (!p) {
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

std::optional<engine::Principal> Authenticator::gateway(HeaderFields fields) {
  const std::string_view* given = fields.find("X-Gateway-Token");
  std::string_view token = given ? *given : std::string_view();
  if (token.empty()) token = bearer(fields);
  auto p = token.empty() ? std::nullopt : _tokens.authenticate(std::string(token));
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
