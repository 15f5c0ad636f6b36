#include "web/Views.h"

#include <algorithm>
#include <chrono>

#include "engine/applications/ApplicationService.h"
#include "engine/notices/FlowPhrases.h"
#include "engine/portal/Review.h"
#include "engine/text/DisplayText.h"
#include "engine/text/Phrase.h"
#include "engine/text/Words.h"

namespace keywarden::web {

using engine::FlowPhrases;
using engine::Phrase;
using engine::Words;

namespace {
// The steps of Views::application, each a part of the page.
// The APIs asked for, alone and in groups; returns every scope the key would be granted
// (sorted, once each), what the review's warnings read.
std::vector<std::string> writeGrants(api::JsonWriter& w, const engine::Application& a,
                                     engine::CatalogService& catalog, const engine::Principal& p,
                                     const Texts& t) {
  std::vector<std::string> granted = a.scopes;
  auto apiRow = [&](const std::string& id) {
    auto api = catalog.getApi(p, id);
    w.beginObject().field("id", id);
    if (api) {
      w.field("name", api.value().name)
          .field("method", api.value().method)
          .field("path", api.value().path)
          .field("scopes", engine::DisplayText::list(api.value().scopes, ""));
      granted.insert(granted.end(), api.value().scopes.begin(), api.value().scopes.end());
    } else {
      w.field("name", t.say(Phrase::text("api.gone", {{"id", id}})));
    }
    w.endObject();
  };
  w.beginArray("apis");
  for (const auto& id : a.apis) apiRow(id);
  w.endArray();
  w.beginArray("groups");
  for (const auto& gid : a.groups) {
    auto g = catalog.getGroup(p, gid);
    w.beginObject().field("id", gid).field("name", g ? g.value().name : gid);
    w.beginArray("apis");
    if (g)
      for (const auto& id : g.value().apis) apiRow(id);
    w.endArray().endObject();
  }
  w.endArray();
  w.field("scopes", a.scopes).field("hasScopes", !a.scopes.empty());
  w.field("hasApis", !a.apis.empty()).field("hasGroups", !a.groups.empty());
  std::sort(granted.begin(), granted.end());
  granted.erase(std::unique(granted.begin(), granted.end()), granted.end());
  return granted;
}

// Validity, lifetime, quota and (for a modification) the limits asked for, in words.
void writeTerms(api::JsonWriter& w, const engine::Application& a, int64_t now, const Texts& t) {
  std::string from = a.effectiveAt ? Words::time(a.effectiveAt) + " (" +
                                         t.say(Phrase::relative(a.effectiveAt, now)) + ")"
                                   : t("key.assoonasissued");
  std::string until = a.expiresAt ? Words::time(a.expiresAt) + " (" +
                                        t.say(Phrase::relative(a.expiresAt, now)) + ")"
                                  : t("key.noExpiry");
  w.field("validity", t("key.validFrom", {{"from", from}, {"until", until}}));
  if (a.expiresAt)
    w.field("lifetime",
            t("key.lifetime",
              {{"duration",
                t.say(Phrase::duration(a.expiresAt - std::max(a.effectiveAt, a.createdAt)))}}));
  w.field("quotaText", a.quota < 0 ? t("key.unlimitedCalls")
                                   : t("key.atMost", {{"quota", t.say(Phrase::calls(a.quota))}}));
  w.field("limitsText",
          a.kind == engine::AppKind::Modify ? t.say(FlowPhrases::limits(a.changes)) : "");
}

// The flow: each level, its rule, who decided what in this round.
void writeLevels(api::JsonWriter& w, const engine::Application& a, const Texts& t) {
  w.field("flow", a.flowId).field("level", a.level).field("levelCount", a.levelCount);
  w.beginArray("levels");
  for (const auto& l : engine::portal::Review::levels(a)) {
    w.beginObject()
        .field("number", l.number)
        .field("name", l.name)
        .field("rule", t.say(l.rule))
        .field("current", l.current)
        .field("passed", l.passed);
    w.beginArray("approvers");
    for (const auto& person : l.approvers)
      w.beginObject()
          .field("email", person.email)
          .field("decision", person.decision.isString() ? (l.current ? t("decision.notYet") : "")
                                                        : t.say(person.decision))
          .endObject();
    w.endArray().endObject();
  }
  w.endArray();
}

// Every decision so far, and the comment the requester is asked to act on (the last return's).
void writeTimeline(api::JsonWriter& w, const engine::Application& a, int64_t now, const Texts& t) {
  w.beginArray("timeline");
  for (const auto& d : a.history)
    w.beginObject()
        .field("when", Words::time(d.at))
        .field("ago", t.say(Phrase::relative(d.at, now)))
        .field("who", t.say(FlowPhrases::who(d.approver)))
        .field("actor", d.actor)
        .field("what", t.say(FlowPhrases::decision(d.event)))
        .field("level", d.level > 0 ? t("level.number", {{"number", std::to_string(d.level)}}) : "")
        .field("comment", d.approver == "system" ? std::string() : d.comment)
        .endObject();
  w.endArray();
  std::string returnComment;
  for (const auto& d : a.history)
    if (d.event == "return") returnComment = d.comment;
  w.field("returnComment", returnComment);
}
}  // namespace

int64_t Views::now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

engine::Principal Views::reader() {
  engine::Principal p;
  p.tokenId = "portal";
  p.role = engine::Role::Admin;
  p.actorName = "portal";
  return p;
}

std::string Views::stateText(engine::AppState s, const Texts& t) {
  return t(std::string("state.").append(engine::appStateName(s)));
}

std::string Views::kindText(engine::AppKind k, const Texts& t) {
  return t(std::string("kind.").append(engine::appKindName(k)));
}

void Views::row(api::JsonWriter& w, const engine::Application& a, int64_t now, const Texts& t) {
  auto waiting = engine::ApplicationService::waitingApprovers(a);
  w.beginObject()
      .field("id", a.id)
      .field("number", a.number)
      .field("kindText", kindText(a.kind, t))
      .field("state", engine::appStateName(a.state))
      .field("stateText", stateText(a.state, t))
      .field("keyName", a.keyName)
      .field("clientId", a.clientId)
      .field("requester", a.requesterEmail)
      .field("updated", t.say(Phrase::relative(a.updatedAt, now)))
      .field("since", Words::time(a.updatedAt))
      .field("waitingFor", t.say(Phrase::andList(waiting)))
      .endObject();
}

void Views::application(api::JsonWriter& w, const engine::Application& a,
                        engine::CatalogService& catalog, int64_t now, const Texts& t) {
  auto p = reader();
  w.field("id", a.id)
      .field("number", a.number)
      .field("kindText", kindText(a.kind, t))
      .field("isNew", a.kind == engine::AppKind::New)
      .field("state", engine::appStateName(a.state))
      .field("stateText", stateText(a.state, t))
      .field("inReview", a.state == engine::AppState::InReview)
      .field("returned", a.state == engine::AppState::Returned)
      .field("keyName", a.keyName)
      .field("keyId", a.keyId)
      .field("requester", a.requesterEmail)
      .field("description", a.description)
      .field("created", Words::time(a.createdAt))
      .field("updated", t.say(Phrase::relative(a.updatedAt, now)));
  auto client = catalog.getClient(p, a.clientId);
  w.field("clientId", a.clientId)
      .field("clientName", client ? client.value().name : a.clientId)
      .field("clientOwner", client ? client.value().contactEmail : "")
      .field("clientType", client ? client.value().clientType : "");
  std::vector<std::string> granted = writeGrants(w, a, catalog, p, t);
  writeTerms(w, a, now, t);
  std::vector<std::string> warnings;
  for (const auto& warning : engine::portal::Review::warnings(a, granted))
    warnings.push_back(t.say(warning));
  w.field("warnings", warnings).field("hasWarnings", !warnings.empty());
  writeLevels(w, a, t);
  w.field("noLevels", a.levelCount == 0 && !a.flowId.empty());
  auto waiting = engine::ApplicationService::waitingApprovers(a);
  w.field("waitingFor", t.say(Phrase::andList(waiting)));
  writeTimeline(w, a, now, t);
}

void Views::keyRow(api::JsonWriter& w, const engine::Key& k, int64_t now, const Texts& t) {
  w.beginObject()
      .field("id", k.id)
      .field("name", k.name)
      .field("start", k.start)
      .field("clientId", k.clientId)
      .field("state", engine::keyStateName(k.effectiveState(now)))
      .field("stateText",
             t(std::string("keyState.").append(engine::keyStateName(k.effectiveState(now)))))
      .field("expires", k.expiresAt ? Words::time(k.expiresAt) : t("key.never"))
      .field("remaining", k.quota < 0 ? t("key.unlimited") : t.say(Phrase::calls(k.remaining)))
      .endObject();
}

void Views::key(api::JsonWriter& w, const engine::Key& k, engine::CatalogService& catalog,
                int64_t now, const Texts& t) {
  auto p = reader();
  auto state = k.effectiveState(now);
  w.field("id", k.id)
      .field("name", k.name)
      .field("start", k.start)
      .field("clientId", k.clientId)
      .field("state", engine::keyStateName(state))
      .field("stateText", t(std::string("keyState.").append(engine::keyStateName(state))))
      .field("live", state == engine::KeyState::Active || state == engine::KeyState::Scheduled ||
                         state == engine::KeyState::Disabled)
      .field("validFrom", k.effectiveAt ? Words::time(k.effectiveAt) : Words::time(k.createdAt))
      .field("validUntil", k.expiresAt ? Words::time(k.expiresAt) + " (" +
                                             t.say(Phrase::relative(k.expiresAt, now)) + ")"
                                       : t("key.noExpiry"))
      .field("quotaText", k.quota < 0 ? t("key.unlimited") : t.say(Phrase::calls(k.quota)))
      .field("remainingText", k.quota < 0
                                  ? t("key.unlimited")
                                  : t("key.left", {{"quota", t.say(Phrase::calls(k.remaining))}}))
      .field("lastUsed", k.lastUsedAt ? t.say(Phrase::relative(k.lastUsedAt, now)) : t("key.never"))
      .field("usage", t("key.usage", {{"valid", std::to_string(k.usageValid)},
                                      {"refused", std::to_string(k.usageRejected)}}))
      .field("applicationId", k.applicationId)
      .field("unrestricted", k.unrestricted())
      .field("scopes", k.scopes)
      .field("revokeReason", k.revokeReason);
  w.beginArray("apis");
  for (const auto& id : k.apis) {
    auto api = catalog.getApi(p, id);
    w.beginObject().field("name", api ? api.value().name : id);
    if (api) w.field("method", api.value().method).field("path", api.value().path);
    w.endObject();
  }
  w.endArray();
  w.beginArray("groups");
  for (const auto& gid : k.groups) {
    auto g = catalog.getGroup(p, gid);
    w.beginObject().field("name", g ? g.value().name : gid).endObject();
  }
  w.endArray();
}

}  // namespace keywarden::web
