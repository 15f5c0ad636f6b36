#include "api/KeyHandlers.h"

#include "api/LimitFields.h"
#include "api/Respond.h"
#include "api/Serialize.h"
#include "engine/base/Duration.h"
#include "engine/text/Validation.h"

namespace keywarden::api {

using engine::IssuedKey;
using engine::Key;

namespace {
constexpr int64_t kMaxCount = engine::Validation::kMaxQuota;

void writeKey(JsonWriter& w, const Key& k) {
  Serialize::key(w, k);
}

void writeIssued(JsonWriter& w, const IssuedKey& i) {
  Serialize::key(w, i.key, i.plaintext);
}

void writeIdName(JsonWriter& w, const Key& k) {
  w.beginObject().field("id", k.id).field("name", k.name).endObject();
}

// refill {amount, interval} and rateLimit {limit, window}; errors name the JSON path.
void readLimits(BodyReader& b, engine::KeySpec& s) {
  LimitFields::refill(b, s.refillAmount, s.refillInterval);
  LimitFields::rateLimit(b, s.rateLimit, s.rateWindowMs);
}
}  // namespace

void KeyHandlers::install(Router& r) {
  r.add("POST", "/v1/keys", [this](Exchange& ex) { create(ex); });
  r.add("GET", "/v1/keys", [this](Exchange& ex) { list(ex); });
  r.add("GET", "/v1/keys/{id}", [this](Exchange& ex) {
    if (admin(ex)) respond(ex, _keys.get(*ex.principal, ex.param("id")), 200, writeKey);
  });
  for (const char* what : {"disable", "enable", "revoke"})
    r.add("POST", std::string("/v1/keys/{id}/") + what,
          [this, what](Exchange& ex) { action(ex, what); });
  r.add("POST", "/v1/keys/{id}/rotate", [this](Exchange& ex) { rotate(ex); });

  r.add("GET", "/v1/tenants/{tenant}/apiKeys", [this](Exchange& ex) {
    if (!admin(ex)) return;
    if (auto e = ex.queryOnly({})) return ex.sendError(*e);
    respondList(ex, _keys.listTenantKeys(*ex.principal, ex.param("tenant")), "keys", writeIdName);
  });
  r.add("POST", "/v1/tenants/{tenant}/apiKeys", [this](Exchange& ex) { tenantCreate(ex); });
  r.add("GET", "/v1/tenants/{tenant}/apiKeys/{keyId}", [this](Exchange& ex) {
    if (admin(ex))
      respond(ex, _keys.getTenantKey(*ex.principal, ex.param("tenant"), ex.param("keyId")), 200,
              writeIdName);
  });
  r.add("DELETE", "/v1/tenants/{tenant}/apiKeys/{keyId}", [this](Exchange& ex) {
    if (!admin(ex)) return;
    auto s = _keys.deleteTenantKey(*ex.principal, ex.param("tenant"), ex.param("keyId"));
    if (!s) return ex.sendError(s.error());
    JsonWriter w;
    w.beginObject().field("message", "API key " + ex.param("keyId") + " deleted").endObject();
    ex.sendJson(200, w.str());
  });
}

void KeyHandlers::create(Exchange& ex) {
  if (!admin(ex)) return;
  auto b = ex.json(false);
  if (!b) return;
  engine::KeySpec s;
  b->onlyFields({"clientId", "name", "scopes", "apis", "groups", "effectiveAt", "expiresAt",
                 "quota", "refill", "rateLimit", "meta", "tenant"})
      .str("clientId", s.clientId, true)
      .str("name", s.name, true)
      .scopeList("scopes", s.scopes)
      .strList("apis", s.apis)
      .strList("groups", s.groups)
      .time("effectiveAt", s.effectiveAt)
      .time("expiresAt", s.expiresAt)
      .integer("quota", s.quota, -1, kMaxCount)
      .objectText("meta", s.meta)
      .str("tenant", s.tenant);
  readLimits(*b, s);
  if (b->error()) return ex.sendError(*b->error());
  respond(ex, _keys.issue(*ex.principal, s), 201, writeIssued);
}

void KeyHandlers::list(Exchange& ex) {
  if (!admin(ex)) return;
  if (auto e = ex.queryOnly({"clientId", "tenant", "state"})) return ex.sendError(*e);
  engine::KeyFilter f;
  f.clientId = ex.query("clientId");
  f.tenant = ex.query("tenant");
  std::string state = ex.query("state");
  if (!state.empty()) {
    f.state = engine::parseKeyState(state);
    if (!f.state)
      return ex.sendError(engine::Error::badInput(
          "state", "state must be one of SCHEDULED, ACTIVE, DISABLED, EXPIRED, REVOKED"));
  }
  respondList(ex, _keys.list(*ex.principal, f), "keys", writeKey);
}

void KeyHandlers::action(Exchange& ex, const std::string& what) {
  if (!admin(ex)) return;
  auto b = ex.json(true);
  if (!b) return;
  std::string reason;
  int64_t at = 0;
  if (what == "enable")
    b->onlyFields({});
  else if (what == "disable")
    b->onlyFields({"reason"}).text("reason", reason);
  else
    b->onlyFields({"reason", "at"}).text("reason", reason).time("at", at);
  if (b->error()) return ex.sendError(*b->error());
  if (auto e = engine::Validation::text("reason", reason, 500, true)) return ex.sendError(*e);
  const auto& p = *ex.principal;
  const std::string& id = ex.param("id");
  if (what == "disable")
    respond(ex, _keys.disable(p, id, reason), 200, writeKey);
  else if (what == "enable")
    respond(ex, _keys.enable(p, id), 200, writeKey);
  else
    respond(ex, _keys.revoke(p, id, reason, at), 200, writeKey);
}

void KeyHandlers::rotate(Exchange& ex) {
  if (!admin(ex)) return;
  auto b = ex.json(true);
  if (!b) return;
  int64_t grace = 0;
  b->onlyFields({"graceSeconds"}).integer("graceSeconds", grace, 0, 366LL * 86400);
  if (b->error()) return ex.sendError(*b->error());
  const std::string& from = ex.param("id");
  respond(ex, _keys.rotate(*ex.principal, from, grace), 201,
          [&from](JsonWriter& w, const IssuedKey& i) {
            w.beginObject();
            Serialize::keyFields(w, i.key);
            w.field("key", i.plaintext).field("rotatedFrom", from).endObject();
          });
}

void KeyHandlers::tenantCreate(Exchange& ex) {
  if (!admin(ex)) return;
  auto b = ex.json(false);
  if (!b) return;
  engine::KeySpec s;
  s.tenant = ex.param("tenant");
  b->onlyFields({"name", "clientId"}).str("name", s.name, true).str("clientId", s.clientId);
  if (b->error()) return ex.sendError(*b->error());
  if (s.tenant.empty() || !ex.principal->seesTenant(s.tenant))
    return ex.sendError(engine::Error::forbidden(
        "TENANT_FORBIDDEN", "this token may not act in tenant '" + s.tenant + "'"));
  respond(ex, _keys.issue(*ex.principal, s), 201, [](JsonWriter& w, const IssuedKey& i) {
    w.beginObject()
        .field("id", i.key.id)
        .field("name", i.key.name)
        .field("key", i.plaintext)
        .endObject();
  });
}

}  // namespace keywarden::api
