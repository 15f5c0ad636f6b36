// Console: keys (issue 15) — search, a key's page, issue, and the confirmed actions.
#include <Poco/String.h>

#include <algorithm>

#include "api/BodyReader.h"
#include "engine/base/Duration.h"
#include "engine/text/Validation.h"
#include "web/Console.h"
#include "web/FormJson.h"
#include "web/Views.h"

namespace keywarden::web {

namespace {
const std::vector<std::string> kIssueFields = {"clientId", "name",      "apis", "groups",
                                               "scopes",   "expiresAt", "quota"};
std::vector<std::string> lines(const std::string& joined) {
  std::vector<std::string> out;
  for (const auto& w : FormJson::words(joined)) out.push_back(w);
  return out;
}
bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}
// The client filter's choices (none when the list could not be read), `selected` the one in use.
template <typename Clients>
void clientChoices(api::JsonWriter& w, const Clients& clients, const std::string& selected) {
  w.beginArray("clients");
  if (clients)
    for (const auto& c : clients.value())
      w.beginObject()
          .field("id", c.id)
          .field("name", c.name)
          .field("selected", c.id == selected)
          .endObject();
  w.endArray();
}
// The state filter's choices, each in the reader's language, `selected` the one in use.
template <typename Text>
void stateChoices(api::JsonWriter& w, const std::string& selected, const Text& text) {
  w.beginArray("states");
  for (const char* s : {"SCHEDULED", "ACTIVE", "DISABLED", "EXPIRED", "REVOKED"})
    w.beginObject()
        .field("name", s)
        .field("text", text(s))
        .field("selected", selected == s)
        .endObject();
  w.endArray();
}
}  // namespace

void Console::keyList(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  int64_t now = Views::now();
  std::string client = ex.query("client"), q = Poco::trim(ex.query("q")), state = ex.query("state");
  engine::KeyFilter f;
  f.tenant = a.tenant;
  f.clientId = client;
  api::JsonWriter w;
  w.beginObject().field("client", client).field("q", q).field("state", state);
  auto stateText = [&](std::string_view s) {
    return _s.templates.text("keyState." + std::string(s), a.visit.language);
  };
  stateChoices(w, state, stateText);
  clientChoices(w, _s.catalog.listClients(a.principal, a.tenant), client);
  auto keys = _s.keys.list(a.principal, f);
  if (!keys) return fail(ex, a, keys.error(), "/admin/keys");
  auto rows = keys.value();
  std::sort(rows.begin(), rows.end(),
            [](const auto& x, const auto& y) { return x.createdAt > y.createdAt; });
  std::string lq = Poco::toLower(q);
  size_t n = 0, shown = 0;
  w.beginArray("keys");
  for (const auto& k : rows) {
    auto eff = engine::keyStateName(k.effectiveState(now));
    if (!state.empty() && eff != state) continue;
    if (!lq.empty() && Poco::toLower(k.name).find(lq) == std::string::npos &&
        Poco::toLower(k.start).find(lq) == std::string::npos && k.id != q)
      continue;
    ++n;
    if (shown >= kMaxRows) continue;
    ++shown;
    w.beginObject()
        .field("id", k.id)
        .field("name", k.name)
        .field("start", k.start)
        .field("clientId", k.clientId)
        .field("tenant", k.tenant)
        .field("state", std::string(eff))
        .field("stateText", stateText(eff))
        .field("unlimited", k.quota < 0)
        .field("remaining", k.remaining)
        .field("quota", k.quota);
    when(w, "expires", k.expiresAt, now);
    when(w, "lastUsed", k.lastUsedAt, now);
    w.endObject();
  }
  w.endArray()
      .field("found", static_cast<int64_t>(n))
      .field("none", n == 0)
      .field("cut", n > shown);
  render(ex, a, "keys", "keys", w);
}

void Console::keyFormContext(api::JsonWriter& w, const Admin& a,
                             const std::map<std::string, std::string>& values) {
  auto value = [&](const std::string& k) {
    auto it = values.find(k);
    return it == values.end() ? std::string() : it->second;
  };
  auto checkedApis = lines(value("apis")), checkedGroups = lines(value("groups"));
  w.beginArray("clients");
  if (auto clients = _s.catalog.listClients(a.principal, a.tenant))
    for (const auto& c : clients.value())
      if (c.active)
        w.beginObject()
            .field("id", c.id)
            .field("name", c.name)
            .field("selected", c.id == value("clientId"))
            .endObject();
  w.endArray();
  w.beginArray("apis");
  if (auto apis = _s.catalog.listApis(a.principal, a.tenant))
    for (const auto& x : apis.value())
      w.beginObject()
          .field("id", x.id)
          .field("name", x.name)
          .field("method", x.method)
          .field("path", x.path)
          .field("checked", has(checkedApis, x.id))
          .endObject();
  w.endArray();
  w.beginArray("groups");
  if (auto groups = _s.catalog.listGroups(a.principal, a.tenant))
    for (const auto& g : groups.value())
      w.beginObject()
          .field("id", g.id)
          .field("name", g.name)
          .field("checked", has(checkedGroups, g.id))
          .endObject();
  w.endArray();
  for (const char* k : {"name", "scopes", "expiresAt", "quota"}) w.field(k, value(k));
}

void Console::keyNewForm(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  api::JsonWriter w;
  w.beginObject();
  keyFormContext(w, a, {{"clientId", ex.query("client")}});
  render(ex, a, "keys", "key-new", w);
}

void Console::keyIssue(api::Exchange& ex) {
  Admin a;
  std::map<std::string, std::string> form;
  std::optional<engine::Error> unreadable;  // shown on the form, with what could be read
  if (!enterForm(ex, a, {"clientId", "name", "apis*", "groups*", "scopes", "expiresAt", "quota"},
                 form, &unreadable))
    return;
  // The form as the JSON body of POST /v1/keys, read by the API's own reader.
  api::JsonWriter j;
  j.beginObject().field("clientId", form["clientId"]).field("name", form["name"]);
  j.field("apis", lines(form["apis"])).field("groups", lines(form["groups"]));
  FormJson::list(j, "scopes", form["scopes"]);
  FormJson::time(j, "expiresAt", form["expiresAt"]);
  FormJson::integer(j, "quota", form["quota"]);
  j.endObject();
  engine::KeySpec s;
  api::BodyReader b(j.str(), false);
  b.str("clientId", s.clientId, true)
      .str("name", s.name, true)
      .scopeList("scopes", s.scopes)
      .strList("apis", s.apis)
      .strList("groups", s.groups)
      .time("expiresAt", s.expiresAt)
      .integer("quota", s.quota, -1, engine::Validation::kMaxQuota);
  std::optional<engine::Error> error = unreadable ? unreadable : b.error();
  if (!error) {
    auto issued = _s.keys.issue(a.principal, s);
    if (issued) {
      api::JsonWriter w;
      w.beginObject()
          .field("id", issued.value().key.id)
          .field("name", issued.value().key.name)
          .field("start", issued.value().key.start)
          .field("key", issued.value().plaintext)
          .field("issued", true);
      return render(ex, a, "keys", "key-issued", w, 201);
    }
    error = issued.error();
  }
  api::JsonWriter w;
  w.beginObject();
  keyFormContext(w, a, form);
  formError(w, *error, kIssueFields);
  render(ex, a, "keys", "key-new", w, Portal::statusOf(*error));
}

void Console::keyPage(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  const std::string& id = ex.param("id");
  auto k = _s.keys.get(a.principal, id);
  if (!k) return problem(ex, a, 404, "notFound", "key", "/admin/keys");
  const auto& key = k.value();
  int64_t now = Views::now();
  api::JsonWriter w;
  w.beginObject().field("done", ex.query("done"));
  w.field("done_" + ex.query("done"), true);
  keyFacts(w, key, now);
  w.field("stateText",
          _s.templates.text(
              std::string("keyState.").append(engine::keyStateName(key.effectiveState(now))),
              a.visit.language));
  keyActions(w, key.effectiveState(now), key);
  w.beginArray("apis");
  for (const auto& apiId : key.apis) {
    auto x = _s.catalog.getApi(a.principal, apiId);
    w.beginObject().field("id", apiId).field("known", x.ok());
    if (x)
      w.field("name", x.value().name)
          .field("method", x.value().method)
          .field("path", x.value().path);
    w.endObject();
  }
  w.endArray();
  w.beginArray("groups");
  for (const auto& gid : key.groups) {
    auto g = _s.catalog.getGroup(a.principal, gid);
    w.beginObject().field("id", gid).field("name", g ? g.value().name : gid).endObject();
  }
  w.endArray();
  keyUsage(w, a, key, ex.query("span"));
  keyHistory(w, a, key);
  render(ex, a, "keys", "key", w);
}

void Console::keyFacts(api::JsonWriter& w, const engine::Key& key, int64_t now) {
  auto state = key.effectiveState(now);
  w.field("id", key.id)
      .field("name", key.name)
      .field("start", key.start)
      .field("clientId", key.clientId)
      .field("tenant", key.tenant)
      .field("state", std::string(engine::keyStateName(state)))
      .field("unrestricted", key.unrestricted())
      .field("scopes", key.scopes)
      .field("unlimited", key.quota < 0)
      .field("quota", key.quota)
      .field("remaining", key.remaining)
      .field("refill", key.refillAmount > 0)
      .field("refillAmount", key.refillAmount)
      .field("refillInterval",
             key.refillInterval == engine::RefillInterval::Daily ? "daily" : "monthly")
      .field("rateLimited", key.rateLimit > 0)
      .field("rateLimit", key.rateLimit)
      .field("rateWindow", engine::Duration::format(key.rateWindowMs))
      .field("usageValid", key.usageValid)
      .field("usageRejected", key.usageRejected)
      .field("applicationId", key.applicationId)
      .field("rotatedTo", key.rotatedTo)
      .field("revokeReason", key.revokeReason);
  when(w, "created", key.createdAt, now);
  when(w, "effective", key.effectiveAt, now);
  when(w, "expires", key.expiresAt, now);
  when(w, "lastUsed", key.lastUsedAt, now);
  when(w, "revokeAt", key.revokeAt, now);
  w.field("revokePlanned", key.revokeAt > now && state != engine::KeyState::Revoked);
}

void Console::keyActions(api::JsonWriter& w, engine::KeyState state, const engine::Key& key) {
  using S = engine::KeyState;
  bool live = state == S::Active || state == S::Scheduled;
  bool canRevoke = state != S::Revoked && state != S::Expired;
  // One form per action the key's state allows, all built by the same template loop.
  struct Action {
    const char* name;
    bool allowed, danger;
  } actions[] = {
      {"disable", live, false},
      {"enable", state == S::Disabled, false},
      {"rotate", (live || state == S::Disabled) && key.rotatedTo.empty(), false},
      {"revoke", canRevoke, true},
  };
  w.beginArray("actions");
  for (const auto& x : actions) {
    if (!x.allowed) continue;
    w.beginObject().field("action", x.name).field("do_" + std::string(x.name), true);
    w.field("danger", x.danger).field("rotate", std::string(x.name) == "rotate");
    w.endObject();
  }
  w.endArray().field("canRevoke", canRevoke);
}

void Console::keyConfirm(api::Exchange& ex, const Admin& a, const std::string& action,
                         const engine::Key& key, std::map<std::string, std::string>& form,
                         int64_t at, const std::optional<engine::Error>& error) {
  // First answer (or a field to fix): the confirmation page saying what will happen.
  int64_t now = Views::now();
  api::JsonWriter w;
  w.beginObject()
      .field("action", action)
      .field("do_" + action, true)
      .field("askReason", action == "disable" || action == "revoke")
      .field("id", key.id)
      .field("name", key.name)
      .field("start", key.start)
      .field("reason", FormJson::text(form["reason"]))
      .field("at", form["at"])
      .field("graceSeconds", form["graceSeconds"])
      .field("later", at > now);
  when(w, "atTime", at, now);
  if (error) formError(w, *error, {"reason", "at", "graceSeconds"});
  render(ex, a, "keys", "confirm", w, error ? Portal::statusOf(*error) : 200);
}

void Console::keyAction(api::Exchange& ex, const std::string& action) {
  Admin a;
  std::map<std::string, std::string> form;
  std::optional<engine::Error> unreadable;
  if (!enterForm(ex, a, {"reason", "at", "graceSeconds", "confirm"}, form, &unreadable)) return;
  const std::string& id = ex.param("id");
  std::string back = "/admin/keys/" + id;
  auto k = _s.keys.get(a.principal, id);
  if (!k) return problem(ex, a, 404, "notFound", "key", "/admin/keys");
  // The fields as the JSON API reads them: the same rules and messages.
  api::JsonWriter j;
  j.beginObject();
  if (action == "disable" || action == "revoke") j.field("reason", FormJson::text(form["reason"]));
  if (action == "revoke") FormJson::time(j, "at", form["at"]);
  if (action == "rotate") FormJson::integer(j, "graceSeconds", form["graceSeconds"]);
  j.endObject();
  api::BodyReader b(j.str(), true);
  std::string reason;
  int64_t at = 0, grace = 0;
  b.text("reason", reason).time("at", at).integer("graceSeconds", grace, 0, 366LL * 86400);
  std::optional<engine::Error> error = unreadable ? unreadable : b.error();
  if (!error) error = engine::Validation::text("reason", reason, 500, true);
  if (error || form["confirm"] != "yes")
    return keyConfirm(ex, a, action, k.value(), form, at, error);
  if (action == "rotate") {
    auto r = _s.keys.rotate(a.principal, id, grace);
    if (!r) return fail(ex, a, r.error(), back);
    api::JsonWriter w;
    w.beginObject()
        .field("id", r.value().key.id)
        .field("name", r.value().key.name)
        .field("start", r.value().key.start)
        .field("key", r.value().plaintext)
        .field("rotated", true)
        .field("rotatedFrom", id)
        .field("graceSeconds", grace);
    return render(ex, a, "keys", "key-issued", w, 201);
  }
  engine::Result<engine::Key> r = action == "disable" ? _s.keys.disable(a.principal, id, reason)
                                  : action == "enable"
                                      ? _s.keys.enable(a.principal, id)
                                      : _s.keys.revoke(a.principal, id, reason, at);
  if (!r) return fail(ex, a, r.error(), back);
  _s.portal.redirect(ex, back + "?done=" + action);
}

}  // namespace keywarden::web
