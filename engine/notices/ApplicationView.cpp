#include "engine/notices/ApplicationView.h"

#include <Poco/JSON/Array.h>

#include "engine/base/Rfc3339.h"
#include "engine/flows/FlowParser.h"
#include "engine/notices/FlowPhrases.h"
#include "engine/text/JsonText.h"
#include "engine/text/Phrase.h"

namespace keywarden::engine {

namespace {
using Var = Poco::Dynamic::Var;

Poco::JSON::Array::Ptr array(const std::vector<std::string>& v) {
  Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
  for (const auto& s : v) a->add(s);
  return a;
}

// The decisions at levels since the application last entered review.
std::vector<const Decision*> reviewDecisions(const Application& a) {
  size_t start = 0;
  for (size_t i = 0; i < a.history.size(); ++i)
    if (a.history[i].event == "submit" || a.history[i].event == "resubmit") start = i;
  std::vector<const Decision*> out;
  for (size_t i = start; i < a.history.size(); ++i)
    if (a.history[i].level > 0) out.push_back(&a.history[i]);
  return out;
}

Var timeOr(int64_t ms, const std::string& noneId) {
  if (ms) return Rfc3339::format(ms);
  return Phrase::text(noneId);
}

// What a key (or the key an application asks for) may call (contract §4, §8.1 "What a key may
// call"): `apisText` names each API with its method and path, `groupsText` each group with its
// APIs, `accessText` says whether it is unrestricted.
void setGrants(CatalogRepository& catalog, Poco::JSON::Object::Ptr c, const std::string& tenant,
               const std::vector<std::string>& scopes, const std::vector<std::string>& apis,
               const std::vector<std::string>& groups) {
  auto apiText = [&](const std::string& id) -> Var {
    auto api = catalog.findApi(id);
    if (!api || api->tenant != tenant) return Phrase::text("api.gone", {{"id", id}});
    Var method = api->method == "*" ? Var(Phrase::text("api.anyMethod")) : Var(api->method);
    return Phrase::text("api.named",
                        {{"name", api->name}, {"method", method}, {"path", api->path}});
  };
  std::vector<Var> apiTexts, groupTexts;
  Poco::JSON::Array::Ptr apiList = new Poco::JSON::Array;
  for (const auto& id : apis) {
    apiTexts.push_back(apiText(id));
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
    item->set("id", id);
    item->set("text", apiTexts.back());
    apiList->add(item);
  }
  for (const auto& id : groups) {
    auto g = catalog.findGroup(id);
    if (!g || g->tenant != tenant) {
      groupTexts.emplace_back(Phrase::text("api.gone", {{"id", id}}));
      continue;
    }
    std::vector<Var> inside;
    for (const auto& api : g->apis) inside.push_back(apiText(api));
    groupTexts.emplace_back(Phrase::text(
        "group.named",
        {{"name", g->name}, {"apis", Phrase::list(inside, Phrase::text("group.noApis"))}}));
  }
  const bool unrestricted = scopes.empty() && apis.empty() && groups.empty();
  auto none = Phrase::text("list.none");
  c->set("unrestricted", unrestricted);
  c->set("scopes", array(scopes));
  c->set("scopesText", Phrase::list(scopes, none));
  c->set("apis", array(apis));
  c->set("apiList", apiList);
  c->set("apisText", Phrase::list(apiTexts, none));
  c->set("groupsText", Phrase::list(groupTexts, none, "semicolon"));
  std::vector<Var> parts;
  if (!apis.empty()) parts.emplace_back(Phrase::text("access.apis"));
  if (!groups.empty()) parts.emplace_back(Phrase::text("access.groups"));
  if (!scopes.empty()) parts.emplace_back(Phrase::text("access.scopes"));
  c->set("accessText",
         unrestricted ? Phrase::text("access.unrestricted")
                      : Phrase::text("access.restricted", {{"parts", Phrase::andList(parts)}}));
}
}  // namespace

int64_t ApplicationView::levelEnteredAt(const Application& a) {
  int64_t at = a.createdAt;
  for (const auto& d : a.history)
    if (d.event == "submit" || d.event == "resubmit" ||
        (a.level > 1 && d.event == "approve" && d.level == a.level - 1))
      at = d.at;
  return at;
}

Poco::JSON::Object::Ptr ApplicationView::newApplicationJson(const Key& k) {
  std::string j = "{\"kind\":\"new\",\"clientId\":" + JsonText::quoted(k.clientId) +
                  ",\"keyName\":" + JsonText::quoted(k.name);
  if (!k.apis.empty()) j += ",\"apis\":" + JsonText::array(k.apis);
  if (!k.groups.empty()) j += ",\"groups\":" + JsonText::array(k.groups);
  if (!k.scopes.empty()) j += ",\"scopes\":" + JsonText::array(k.scopes);
  return Phrase::text("sample.newApplication", {{"fields", j}});
}

void ApplicationView::addHistory(Poco::JSON::Object::Ptr c, const Application& a) {
  Flow f = FlowParser::snapshot(a.flowSnapshot, a.number);
  c->set("flowName", FlowPhrases::flowName(f));
  Poco::JSON::Array::Ptr decisions = new Poco::JSON::Array;
  Poco::JSON::Array::Ptr comments = new Poco::JSON::Array;
  std::vector<Var> approvals;
  for (const Decision* d : reviewDecisions(a)) {
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
    item->set("text", FlowPhrases::entry(f, *d));
    const bool person = d->approver != "system";
    item->set("comment", person ? d->comment : "");
    decisions->add(item);
    if (person && !d->comment.empty()) {
      Poco::JSON::Object::Ptr note = new Poco::JSON::Object;
      note->set("who", Phrase::text("comment.who", {{"approver", d->approver},
                                                    {"what", FlowPhrases::decision(d->event)},
                                                    {"level", FlowPhrases::level(f, d->level)}}));
      note->set("comment", d->comment);
      comments->add(note);
    }
    if (d->event == "approve")
      approvals.emplace_back(
          person ? Phrase::text("approval.person", {{"approver", d->approver},
                                                    {"level", FlowPhrases::level(f, d->level)}})
                 : Phrase::text("approval.flow", {{"timeout", FlowPhrases::timeout(f, d->level)}}));
  }
  c->set("decisions", decisions);
  c->set("hasDecisions", decisions->size() > 0);
  c->set("comments", comments);
  c->set("hasComments", comments->size() > 0);
  c->set("approvalText",
         f.levels.empty() ? Phrase::text("approval.noLevels", {{"flow", FlowPhrases::flowName(f)}})
         : approvals.empty() ? Phrase::text("approval.plain")
                             : Phrase::text("approval.by", {{"list", Phrase::andList(approvals)}}));
  // Every entry, for the approver's page ("already decided" names them).
  Poco::JSON::Array::Ptr history = new Poco::JSON::Array;
  for (const auto& d : a.history) {
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
    item->set("decision", d.event);
    item->set("what", FlowPhrases::decision(d.event));
    item->set("approver", d.approver);
    item->set("who", FlowPhrases::who(d.approver));
    item->set("comment", d.approver == "system" ? "" : d.comment);
    item->set("level", d.level);
    item->set("levelText", d.level > 0 ? Var(FlowPhrases::level(f, d.level)) : Var(std::string()));
    item->set("at", Rfc3339::format(d.at));
    item->set("text", FlowPhrases::entry(f, d));
    history->add(item);
  }
  c->set("history", history);
}

Poco::JSON::Object::Ptr ApplicationView::application(CatalogRepository& catalog,
                                                     const Application& a,
                                                     const std::string& baseUrl) {
  Poco::JSON::Object::Ptr c = new Poco::JSON::Object;
  auto client = catalog.findClient(a.clientId);
  c->set("baseUrl", baseUrl);
  c->set("id", a.id);
  c->set("applicationId", a.id);
  c->set("number", a.number);
  c->set("kind", std::string(appKindName(a.kind)));
  c->set("kindText", Phrase::text(std::string("kind.").append(appKindName(a.kind))));
  c->set("isNew", a.kind == AppKind::New);
  c->set("isModify", a.kind == AppKind::Modify);
  c->set("isRevoke", a.kind == AppKind::Revoke);
  c->set("keyName", a.keyName);
  c->set("keyId", a.keyId);
  c->set("clientId", a.clientId);
  c->set("clientName", client ? client->name : a.clientId);
  c->set("requester", a.requesterEmail);
  c->set("description", a.description);
  setGrants(catalog, c, a.tenant, a.scopes, a.apis, a.groups);
  c->set("validFrom", timeOr(a.effectiveAt, "valid.immediately"));
  c->set("validUntil", timeOr(a.expiresAt, "key.noExpiry"));
  c->set("quota", Phrase::calls(a.quota, false));
  // A modify application's refill and rate-limit changes (empty: none, the line is left out).
  c->set("limitsText", a.kind == AppKind::Modify ? FlowPhrases::limits(a.changes) : Var(""));
  c->set("level", a.level);
  c->set("levelCount", a.levelCount);
  c->set("atLevel", a.level > 0);
  c->set("state", std::string(appStateName(a.state)));
  c->set("stateText", Phrase::text(std::string("state.").append(appStateName(a.state))));
  addHistory(c, a);
  Flow f = FlowParser::snapshot(a.flowSnapshot, a.number);
  if (a.level > 0 && a.level <= static_cast<int>(f.levels.size())) {
    const FlowLevel& l = f.levels[a.level - 1];
    c->set("levelName", l.name);
    c->set("levelText", FlowPhrases::level(f, a.level));
    c->set("levelApproversText", FlowPhrases::names(l.approvers));
    c->set("policyText", FlowPhrases::policy(l));
    c->set("timeoutText", FlowPhrases::timeoutRule(l));
    Phrase::Ptr next;
    if (a.level < static_cast<int>(f.levels.size()))
      next = Phrase::text("next.level",
                          {{"level", FlowPhrases::level(f, a.level + 1)},
                           {"approvers", FlowPhrases::names(f.levels[a.level].approvers)}});
    else if (a.kind == AppKind::New)
      next = Phrase::text("next.issue", {{"requester", a.requesterEmail}});
    else if (a.kind == AppKind::Modify)
      next = Phrase::text("next.modify");
    else
      next = Phrase::text("next.revoke");
    c->set("nextText", next);
  }
  return c;
}

Poco::JSON::Object::Ptr ApplicationView::key(CatalogRepository& catalog, const Key& k,
                                             const std::string& baseUrl) {
  Poco::JSON::Object::Ptr c = new Poco::JSON::Object;
  auto client = k.clientId.empty() ? std::nullopt : catalog.findClient(k.clientId);
  c->set("baseUrl", baseUrl);
  c->set("keyId", k.id);
  c->set("keyName", k.name);
  c->set("start", k.start);
  c->set("clientId", k.clientId);
  c->set("hasClient", !k.clientId.empty());
  c->set("clientName", client ? Var(client->name)
                       : k.clientId.empty()
                           ? Var(Phrase::text("client.tenant", {{"tenant", k.tenant}}))
                           : Var(k.clientId));
  c->set("tenant", k.tenant);
  setGrants(catalog, c, k.tenant, k.scopes, k.apis, k.groups);
  c->set("validFrom", timeOr(k.effectiveAt ? k.effectiveAt : k.createdAt, "valid.immediately"));
  c->set("validUntil", timeOr(k.expiresAt, "key.noExpiry"));
  c->set("quota", Phrase::calls(k.quota, false));
  c->set("newApplicationJson", newApplicationJson(k));
  return c;
}

}  // namespace keywarden::engine
