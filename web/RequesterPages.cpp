// Portal: applying for a key and following applications (contract §7 /apply, /applications).
#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include <algorithm>
#include <map>
#include <set>

#include "engine/base/Rfc3339.h"
#include "engine/notices/FlowPhrases.h"
#include "engine/portal/Review.h"
#include "engine/text/DisplayText.h"
#include "engine/text/Phrase.h"
#include "engine/text/Validation.h"
#include "engine/text/Words.h"
#include "web/Portal.h"
#include "web/Views.h"

namespace keywarden::web {

using engine::portal::PortalService;

namespace {
std::vector<std::string> lines(const std::string& joined) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= joined.size() && !joined.empty()) {
    size_t nl = joined.find('\n', i);
    if (nl == std::string::npos) nl = joined.size();
    if (nl > i) out.push_back(joined.substr(i, nl - i));
    i = nl + 1;
  }
  return out;
}
std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text + " ") {
    if (c == ' ' || c == ',' || c == '\n' || c == '\r' || c == '\t') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  return out;
}
std::string joinLines(const std::vector<std::string>& v) {
  return engine::DisplayText::list(v, "", "\n");
}
// The engine's field names as the form's.
std::string formField(const std::string& f) {
  if (f == "effectiveAt") return "effectiveDate";
  if (f == "expiresAt") return "expiresDate";
  if (f == "name") return "keyName";
  return f;
}
const std::vector<std::string> kFormFields = {
    "clientId",    "keyName", "apis*",     "groups*",     "scopes", "effectiveDate",
    "expiresDate", "quota",   "unlimited", "description", "from"};
const std::vector<std::string> kErrorFields = {"clientId",    "keyName", "apis",
                                               "groups",      "scopes",  "effectiveDate",
                                               "expiresDate", "quota",   "description"};
bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The steps of Portal::applyContext, each a part of the apply form.
// The active clients to choose from; `chosen` selected.
void applyClients(api::JsonWriter& w, engine::CatalogService& catalog, const engine::Principal& p,
                  const std::string& chosen) {
  w.beginArray("clients");
  if (auto clients = catalog.listClients(p, ""))
    for (const auto& c : clients.value())
      if (c.active)
        w.beginObject()
            .field("id", c.id)
            .field("name", c.name)
            .field("owner", c.contactEmail)
            .field("selected", c.id == chosen)
            .endObject();
  w.endArray();
}

// The APIs matching the search `q` (and the checked ones), grouped by the first segment of
// their path (/orders/…, /billing/…), sorted by path.
void applyApis(api::JsonWriter& w, engine::CatalogService& catalog, const engine::Principal& p,
               const std::vector<std::string>& checked, const std::string& q0, const Texts& t) {
  std::string q = Poco::toLower(q0);
  auto apis = catalog.listApis(p, "");
  std::map<std::string, std::vector<engine::ApiDef>> sections;
  if (apis)
    for (const auto& a : apis.value()) {
      if (!q.empty() &&
          Poco::toLower(a.name + " " + a.path + " " + a.id).find(q) == std::string::npos &&
          !contains(checked, a.id))
        continue;
      std::string first = a.path.substr(0, a.path.find('/', 1));
      sections[first].push_back(a);
    }
  w.beginArray("apiSections");
  for (auto& [name, list] : sections) {
    std::sort(list.begin(), list.end(), [](const auto& x, const auto& y) {
      return x.path < y.path || (x.path == y.path && x.method < y.method);
    });
    w.beginObject().field("section", name).beginArray("apis");
    for (const auto& a : list)
      w.beginObject()
          .field("id", a.id)
          .field("name", a.name)
          .field("method", a.method)
          .field("path", a.path)
          .field("scopes", engine::DisplayText::list(a.scopes, t("apply.noScope")))
          .field("checked", contains(checked, a.id))
          .endObject();
    w.endArray().endObject();
  }
  w.endArray();
  w.field("hasApis", !sections.empty()).field("q", q0);
}

// The groups of APIs, each with the APIs it holds.
void applyGroups(api::JsonWriter& w, engine::CatalogService& catalog, const engine::Principal& p,
                 const std::vector<std::string>& checked, const Texts& t) {
  w.beginArray("groups");
  if (auto groups = catalog.listGroups(p, ""))
    for (const auto& g : groups.value()) {
      std::vector<std::string> names;
      for (const auto& id : g.apis) {
        auto a = catalog.getApi(p, id);
        names.push_back(a ? a.value().name + " (" + a.value().method + " " + a.value().path + ")"
                          : id);
      }
      w.beginObject()
          .field("id", g.id)
          .field("name", g.name)
          .field("apis", engine::DisplayText::list(names, t("apply.noApis")))
          .field("checked", contains(checked, g.id))
          .endObject();
    }
  w.endArray();
}

// When a flow applies, in words ("" when it matches every application).
std::string flowCondition(const engine::Flow& f, const Texts& t) {
  std::vector<std::string> when;
  if (!f.match.scopes.empty())
    when.push_back(t("flow.scopes", {{"list", engine::DisplayText::list(f.match.scopes, "")}}));
  if (!f.match.clientTypes.empty())
    when.push_back(t("flow.clientTypes",
                     {{"list", engine::DisplayText::list(f.match.clientTypes, "", " / ")}}));
  if (!f.match.kinds.empty())
    when.push_back(
        t("flow.kinds", {{"list", engine::DisplayText::list(f.match.kinds, "", " / ")}}));
  if (f.match.minQuota)
    when.push_back(t("flow.minQuota", {{"quota", std::to_string(*f.match.minQuota)}}));
  if (f.match.maxLifetimeDays)
    when.push_back(t("flow.maxLifetime", {{"days", std::to_string(*f.match.maxLifetimeDays)}}));
  std::string whenText;
  for (size_t i = 0; i < when.size(); ++i) whenText += (i == 0 ? "" : t("flow.and")) + when[i];
  return whenText;
}

// Who reviews what: every flow, highest priority first, with its levels and approvers.
void applyFlows(api::JsonWriter& w, const engine::FlowCatalog& catalog, const Texts& t) {
  w.beginArray("flows");
  engine::FlowCatalog::Snapshot flows = catalog.flows();
  for (const auto& f : *flows) {
    std::string when = flowCondition(f, t);
    w.beginObject()
        .field("name", f.name.empty() ? f.id : f.name)
        .field("when", when.empty() ? t("flow.any") : when)
        .field("noLevels", f.levels.empty());
    w.beginArray("levels");
    for (size_t i = 0; i < f.levels.size(); ++i)
      w.beginObject()
          .field("number", static_cast<int64_t>(i + 1))
          .field("name", f.levels[i].name)
          .field("approvers", t.say(engine::Phrase::andList(f.levels[i].approvers)))
          .field("rule", t.say(engine::FlowPhrases::policy(f.levels[i])))
          .endObject();
    w.endArray().endObject();
  }
  w.endArray();
}

// The refusal shown beside its field (or above the form), as a sentence.
void applyError(api::JsonWriter& w, const engine::Error& error) {
  std::string field = formField(error.field);
  std::string text = error.message;
  if (!text.empty()) text[0] = static_cast<char>(toupper(static_cast<unsigned char>(text[0])));
  if (!text.empty() && text.back() != '.') text += ".";
  if (contains(kErrorFields, field))
    w.field(field + "Error", text);
  else
    w.field("formError", text);
  w.field("hasError", true);
}
// The form's dates (YYYY-MM-DD, UTC midnight) and quota (a number, or "unlimited") into `in`;
// the first field that does not read, as an Error for that field.
std::optional<engine::Error> readDatesAndQuota(std::map<std::string, std::string>& form,
                                               const Texts& t, engine::ApplicationInput& in) {
  for (auto [field, out] :
       {std::pair{"effectiveDate", &in.effectiveAt}, {"expiresDate", &in.expiresAt}}) {
    std::string text = Poco::trim(form[field]);
    if (text.empty()) continue;
    auto ms = text.size() == 10 ? engine::Rfc3339::parse(text + "T00:00:00Z") : std::nullopt;
    if (!ms) return engine::Error::badInput(field, t("error.date"));
    *out = *ms;
  }
  if (!form["unlimited"].empty()) {
    in.quota = -1;
    return std::nullopt;
  }
  Poco::Int64 q = 0;
  std::string text = Poco::trim(form["quota"]);
  if (text.empty()) return engine::Error::badInput("quota", t("error.quotaMissing"));
  if (!Poco::NumberParser::tryParse64(text, q) || q < 0 || q > engine::Validation::kMaxQuota)
    return engine::Error::badInput(
        "quota", t("error.quotaRange", {{"max", std::to_string(engine::Validation::kMaxQuota)}}));
  in.quota = q;
  return std::nullopt;
}
}  // namespace

std::optional<engine::Application> Portal::viewable(const Visit& v, const std::string& id) {
  if (!v.session) return std::nullopt;
  const auto& s = *v.session;
  if (v.roles.admin)
    if (auto a = _s.applications.get(PortalService::admin(s), id)) return a.value();
  if (v.roles.approver)
    if (auto a = _s.applications.get(PortalService::approver(s), id)) return a.value();
  // Anyone signed in may have made applications (a requester domain removed since): their own.
  if (auto a = _s.applications.get(PortalService::requester(s), id)) return a.value();
  return std::nullopt;
}

void Portal::applyContext(api::JsonWriter& w, const std::map<std::string, std::string>& values,
                          const engine::Error* error, const Texts& t) {
  auto value = [&](const std::string& k) {
    auto it = values.find(k);
    return it == values.end() ? std::string() : it->second;
  };
  auto p = Views::reader();
  applyClients(w, _s.catalog, p, value("clientId"));
  applyApis(w, _s.catalog, p, lines(value("apis")), value("q"), t);
  applyGroups(w, _s.catalog, p, lines(value("groups")), t);
  applyFlows(w, _s.flows, t);
  for (const char* k :
       {"keyName", "scopes", "effectiveDate", "expiresDate", "quota", "description", "from"})
    w.field(k, value(k));
  w.field("unlimited", !value("unlimited").empty());
  w.field("today", engine::Words::date(Views::now()));
  if (error) applyError(w, *error);
}

void Portal::applyForm(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  if (!v.roles.requester)
    return message(ex, v, 403, tx(v)("message.notRequester"), tx(v)("message.notRequesterText"));
  if (auto e = ex.queryOnly({"from", "q"}))
    return message(ex, v, 400, tx(v)("message.badAddress"),
                   tx(v)("message.engineError", {{"message", e->message}}));
  std::map<std::string, std::string> values;
  values["q"] = ex.query("q");
  api::JsonWriter w;
  w.beginObject();
  std::string from = ex.query("from");
  if (!from.empty()) {
    auto r = _s.applications.get(PortalService::requester(*v.session), from);
    if (!r || r.value().state != engine::AppState::Returned)
      return message(ex, v, 404, tx(v)("message.nothingToResubmit"),
                     tx(v)("message.nothingToResubmitText"));
    const auto& a = r.value();
    values["from"] = a.id;
    values["clientId"] = a.clientId;
    values["keyName"] = a.keyName;
    values["apis"] = joinLines(a.apis);
    values["groups"] = joinLines(a.groups);
    values["scopes"] = engine::DisplayText::list(a.scopes, "", " ");
    values["effectiveDate"] = engine::Words::date(a.effectiveAt);
    values["expiresDate"] = engine::Words::date(a.expiresAt);
    values["quota"] = a.quota < 0 ? "" : std::to_string(a.quota);
    if (a.quota < 0) values["unlimited"] = "on";
    values["description"] = a.description;
    std::string comment;
    for (const auto& d : a.history)
      if (d.event == "return") comment = d.comment;
    w.field("resubmit", true).field("number", a.number).field("returnComment", comment);
  }
  applyContext(w, values, nullptr, tx(v));
  render(ex, v, "apply", tx(v)("title.apply"), w);
}

void Portal::applySubmit(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  std::map<std::string, std::string> form;
  std::optional<engine::Error> unreadable;  // shown on the form, with what could be read
  if (!readForm(ex, v, kFormFields, form, &unreadable)) return;
  if (!v.roles.requester)
    return message(ex, v, 403, tx(v)("message.notRequester"), tx(v)("message.notRequesterText"));
  const auto& s = *v.session;
  std::string description;
  for (char c : form["description"])
    if (c != '\r') description.push_back(c);
  form["description"] = description;
  engine::ApplicationInput in;
  std::optional<engine::Error> problem =
      unreadable ? unreadable : readDatesAndQuota(form, tx(v), in);
  in.keyName = Poco::trim(form["keyName"]);
  in.description = description;
  in.apis = lines(form["apis"]);
  in.groups = lines(form["groups"]);
  in.scopes = words(form["scopes"]);
  std::optional<engine::Result<engine::Application>> r;
  if (!problem) {
    if (!form["from"].empty()) {
      r = _s.applications.resubmit(PortalService::requester(s), form["from"], in);
    } else {
      in.kind = engine::AppKind::New;
      in.clientId = form["clientId"];
      in.requesterEmail = s.email;
      r = _s.applications.submit(PortalService::requester(s), in);
    }
    if (r->ok()) return redirect(ex, "/applications/" + r->value().id);
    problem = r->error();
  }
  api::JsonWriter w;
  w.beginObject();
  if (!form["from"].empty()) w.field("resubmit", true);
  applyContext(w, form, &*problem, tx(v));
  render(ex, v, "apply", tx(v)("title.apply"), w, statusOf(*problem));
}

void Portal::applications(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  const auto& s = *v.session;
  std::map<std::string, engine::Application> seen;
  auto add = [&](const engine::Principal& p) {
    if (auto r = _s.applications.list(p, {}, ""))
      for (auto& a : r.value()) seen.emplace(a.id, std::move(a));
  };
  add(PortalService::requester(s));
  if (v.roles.approver) add(PortalService::approver(s));
  if (v.roles.admin) add(PortalService::admin(s));
  std::vector<const engine::Application*> all;
  for (const auto& [id, a] : seen) all.push_back(&a);
  std::sort(all.begin(), all.end(), [](auto* x, auto* y) { return x->updatedAt > y->updatedAt; });
  int64_t now = Views::now();
  api::JsonWriter w;
  w.beginObject().beginArray("applications");
  for (auto* a : all) Views::row(w, *a, now, tx(v));
  w.endArray().field("none", all.empty());
  render(ex, v, "applications", tx(v)("title.applications"), w);
}

void Portal::application(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  auto a = viewable(v, ex.param("id"));
  if (!a) return message(ex, v, 404, tx(v)("message.notFound"), tx(v)("message.noSuchApplication"));
  const auto& s = *v.session;
  api::JsonWriter w;
  w.beginObject();
  Views::application(w, *a, _s.catalog, Views::now(), tx(v));
  bool own = a->requesterEmail == s.email;
  auto waiting = engine::ApplicationService::waitingApprovers(*a);
  bool mayDecide =
      v.roles.approver && std::find(waiting.begin(), waiting.end(), s.email) != waiting.end();
  w.field("own", own)
      .field("mayWithdraw", own && (a->state == engine::AppState::InReview ||
                                    a->state == engine::AppState::Returned))
      .field("mayResubmit", own && a->state == engine::AppState::Returned)
      .field("mayDecide", mayDecide);
  if (mayDecide)
    w.field("approveWill", tx(v).say(engine::portal::Review::approveWill(*a, s.email)));
  render(ex, v, "application", tx(v)("title.named", {{"name", a->number}}), w);
}

void Portal::withdraw(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  std::map<std::string, std::string> form;
  if (!readForm(ex, v, {}, form)) return;
  auto r = _s.applications.withdraw(PortalService::requester(*v.session), ex.param("id"));
  if (!r) return failed(ex, v, "message.notWithdrawn", r.error());
  redirect(ex, "/applications/" + ex.param("id"));
}

}  // namespace keywarden::web
