#include "api/TokenHandlers.h"

#include "api/Respond.h"

namespace keywarden::api {

namespace {

void writeToken(JsonWriter& w, const engine::AccessToken& t) {
  w.beginObject().field("id", t.id).field("role", engine::roleName(t.role)).field("name", t.name);
  if (t.tenant.empty())
    w.nullField("tenant");
  else
    w.field("tenant", t.tenant);
  if (t.email.empty())
    w.nullField("email");
  else
    w.field("email", t.email);
  w.timeField("createdAt", t.createdAt).timeField("revokedAt", t.revokedAt);
  w.field("active", t.revokedAt == 0).endObject();
}

}  // namespace

void TokenHandlers::install(Router& r) {
  r.add("POST", "/v1/tokens", [this](Exchange& ex) { create(ex); });
  r.add("GET", "/v1/tokens", [this](Exchange& ex) {
    if (!_auth.require(ex, {engine::Role::Admin})) return;
    if (auto e = ex.queryOnly({})) return ex.sendError(*e);
    respondList(ex, engine::Result<std::vector<engine::AccessToken>>(_tokens.list(*ex.principal)),
                "tokens", writeToken);
  });
  r.add("DELETE", "/v1/tokens/{id}", [this](Exchange& ex) {  // HttpApi refuses a query here
    if (!_auth.require(ex, {engine::Role::Admin})) return;
    const std::string& id = ex.param("id");
    auto s = _tokens.revoke(*ex.principal, id);
    if (!s) return ex.sendError(s.error());
    for (const auto& t : _tokens.list(*ex.principal))
      if (t.id == id) {
        JsonWriter w;
        writeToken(w, t);
        return ex.sendJson(200, w.str());
      }
    ex.sendError(engine::Error::notFound("token", id));
  });
}

void TokenHandlers::create(Exchange& ex) {
  if (!_auth.require(ex, {engine::Role::Admin})) return;
  auto b = ex.json(false);
  if (!b) return;
  std::string role, email, tenant, name;
  b->onlyFields({"role", "email", "tenant", "name"})
      .str("role", role, true)
      .str("email", email)
      .str("tenant", tenant)
      .str("name", name, true);
  if (b->error()) return ex.sendError(*b->error());
  auto r = engine::parseRole(role);
  if (!r)
    return ex.sendError(
        engine::Error::badInput("role", "role must be one of admin, gateway, requester, approver"));
  respond(ex, _tokens.create(*ex.principal, *r, tenant, email, name), 201,
          [](JsonWriter& w, const engine::MintedToken& m) {
            const engine::AccessToken& t = m.token;
            w.beginObject()
                .field("id", t.id)
                .field("token", m.plaintext)
                .field("role", engine::roleName(t.role))
                .field("name", t.name);
            if (t.tenant.empty())
              w.nullField("tenant");
            else
              w.field("tenant", t.tenant);
            if (t.email.empty())
              w.nullField("email");
            else
              w.field("email", t.email);
            w.timeField("createdAt", t.createdAt).nullField("revokedAt").field("active", true);
            w.endObject();
          });
}

}  // namespace keywarden::api
