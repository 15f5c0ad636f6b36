#include "api/ApplicationHandlers.h"

#include "api/LimitFields.h"
#include "api/Respond.h"
#include "engine/base/Duration.h"
#include "engine/text/Validation.h"

namespace keywarden::api {

using engine::Application;
using engine::ApplicationInput;

namespace {
// Each optional field is set only when the body has it (a modification names what it changes).
void optStr(BodyReader& r, const char* f, std::optional<std::string>& out) {
  if (!r.has(f)) return;
  std::string v;
  r.str(f, v);
  out = v;
}
void optTime(BodyReader& r, const char* f, std::optional<int64_t>& out) {
  if (!r.has(f)) return;
  int64_t v = 0;
  r.time(f, v);
  out = v;
}
// `scopes` as a scope list, the others as lists of names.
void optList(BodyReader& r, const char* f, std::optional<std::vector<std::string>>& out) {
  if (!r.has(f)) return;
  std::vector<std::string> v;
  if (std::string(f) == "scopes")
    r.scopeList(f, v);
  else
    r.strList(f, v);
  out = v;
}
void optQuota(BodyReader& r, std::optional<int64_t>& out) {
  if (!r.has("quota")) return;
  int64_t q = 0;
  r.integer("quota", q, -1, engine::Validation::kMaxQuota);
  out = q;
}

// The `changes` object of a modify application.
engine::KeyChanges readChanges(BodyReader& c) {
  engine::KeyChanges ch;
  c.onlyFields(
      {"effectiveAt", "expiresAt", "quota", "refill", "rateLimit", "scopes", "apis", "groups"});
  optTime(c, "effectiveAt", ch.effectiveAt);
  optTime(c, "expiresAt", ch.expiresAt);
  optQuota(c, ch.quota);
  // refill and rateLimit: read as POST /v1/keys reads them; null removes them.
  if (c.has("refill")) {
    engine::RefillChange r;
    LimitFields::refill(c, r.amount, r.interval);
    ch.refill = r;
  }
  if (c.has("rateLimit")) {
    engine::RateLimitChange r;
    LimitFields::rateLimit(c, r.limit, r.windowMs);
    ch.rateLimit = r;
  }
  optList(c, "scopes", ch.scopes);
  optList(c, "apis", ch.apis);
  optList(c, "groups", ch.groups);
  return ch;
}

// Reads the fields an application may set; `allowed` lists which are accepted here.
void readFields(BodyReader& b, ApplicationInput& in) {
  if (b.has("kind")) {
    std::string kind;
    b.str("kind", kind);
    in.kind = engine::parseAppKind(kind);
    if (!b.error() && !in.kind) b.fail("kind", "kind must be new, modify or revoke");
  }
  optStr(b, "clientId", in.clientId);
  optStr(b, "keyName", in.keyName);
  if (b.has("description")) {
    std::string v;
    b.text("description", v);
    in.description = v;
  }
  optStr(b, "requesterEmail", in.requesterEmail);
  if (!b.error() && in.requesterEmail && !in.requesterEmail->empty())
    if (auto e = engine::Validation::email(b.name("requesterEmail"), *in.requesterEmail))
      b.fail("requesterEmail", e->message);
  optStr(b, "keyId", in.keyId);
  optTime(b, "effectiveAt", in.effectiveAt);
  optTime(b, "expiresAt", in.expiresAt);
  optQuota(b, in.quota);
  optList(b, "apis", in.apis);
  optList(b, "groups", in.groups);
  optList(b, "scopes", in.scopes);
  if (auto c = b.child("changes")) {
    engine::KeyChanges ch = readChanges(*c);
    b.adopt(*c);
    in.changes = ch;
  }
}

// The `changes` of a modify application: only the fields it changes; null where it removes.
void writeChanges(JsonWriter& w, const engine::KeyChanges& c) {
  w.objectField("changes");
  if (c.effectiveAt) w.timeField("effectiveAt", *c.effectiveAt);
  if (c.expiresAt) w.timeField("expiresAt", *c.expiresAt);
  if (c.quota) w.field("quota", *c.quota);
  if (c.refill) {
    if (c.refill->interval == engine::RefillInterval::None)
      w.nullField("refill");
    else
      w.objectField("refill")
          .field("amount", c.refill->amount)
          .field("interval",
                 c.refill->interval == engine::RefillInterval::Daily ? "daily" : "monthly")
          .endObject();
  }
  if (c.rateLimit) {
    if (c.rateLimit->limit == 0)
      w.nullField("rateLimit");
    else
      w.objectField("rateLimit")
          .field("limit", c.rateLimit->limit)
          .field("window", engine::Duration::format(c.rateLimit->windowMs))
          .endObject();
  }
  if (c.scopes) w.field("scopes", *c.scopes);
  if (c.apis) w.field("apis", *c.apis);
  if (c.groups) w.field("groups", *c.groups);
  w.endObject();
}

void writeHistory(JsonWriter& w, const Application& a) {
  w.beginArray("history");
  for (const auto& d : a.history)
    w.beginObject()
        .field("level", d.level)
        .field("decision", d.event)
        .field("approver", d.approver)
        .field("actor", d.actor)
        .field("comment", d.comment)
        .timeField("at", d.at)
        .endObject();
  w.endArray();
}

const char* kFields[] = {"kind",        "clientId",  "keyName", "description", "requesterEmail",
                         "effectiveAt", "expiresAt", "quota",   "apis",        "groups",
                         "scopes",      "keyId",     "changes"};
}  // namespace

void ApplicationHandlers::write(JsonWriter& w, const Application& a, bool withHistory) {
  w.beginObject()
      .field("id", a.id)
      .field("number", a.number)
      .field("kind", engine::appKindName(a.kind))
      .field("state", engine::appStateName(a.state))
      .field("flow", a.flowId)
      .field("flowVersion", a.flowVersion)
      .field("level", a.level)
      .field("levelCount", a.levelCount)
      .field("approvers", engine::ApplicationService::currentApprovers(a))
      .field("tenant", a.tenant)
      .field("clientId", a.clientId)
      .field("keyName", a.keyName)
      .field("description", a.description)
      .field("requesterEmail", a.requesterEmail)
      .timeField("effectiveAt", a.effectiveAt)
      .timeField("expiresAt", a.expiresAt)
      .field("quota", a.quota)
      .field("apis", a.apis)
      .field("groups", a.groups)
      .field("scopes", a.scopes);
  if (a.keyId.empty())
    w.nullField("keyId");
  else
    w.field("keyId", a.keyId);
  if (a.kind == engine::AppKind::Modify) writeChanges(w, a.changes);
  w.timeField("createdAt", a.createdAt).timeField("updatedAt", a.updatedAt);
  if (withHistory) writeHistory(w, a);
  w.endObject();
}

void ApplicationHandlers::install(Router& r) {
  r.add("POST", "/v1/applications", [this](Exchange& ex) { submit(ex); });
  r.add("GET", "/v1/applications", [this](Exchange& ex) { list(ex); });
  r.add("GET", "/v1/applications/{id}", [this](Exchange& ex) {
    if (caller(ex))
      respond(ex, _apps.get(*ex.principal, ex.param("id")), 200,
              [](JsonWriter& w, const Application& a) { write(w, a, true); });
  });
  r.add("POST", "/v1/applications/{id}/withdraw", [this](Exchange& ex) {
    if (!caller(ex)) return;
    auto b = ex.json(true);
    if (!b) return;
    if (b->onlyFields({}).error()) return ex.sendError(*b->error());
    respond(ex, _apps.withdraw(*ex.principal, ex.param("id")), 200,
            [](JsonWriter& w, const Application& a) { write(w, a, true); });
  });
  r.add("POST", "/v1/applications/{id}/resubmit", [this](Exchange& ex) { resubmit(ex); });
  r.add("POST", "/v1/applications/{id}/decisions", [this](Exchange& ex) { decide(ex); });
  r.add("POST", "/v1/applications/{id}/remind", [this](Exchange& ex) {
    if (!caller(ex)) return;
    auto b = ex.json(true);
    if (!b) return;
    if (b->onlyFields({}).error()) return ex.sendError(*b->error());
    respond(ex, _apps.remind(*ex.principal, ex.param("id")), 200,
            [](JsonWriter& w, const engine::Reminder& r) {
              w.beginObject()
                  .field("id", r.application.id)
                  .field("number", r.application.number)
                  .field("level", r.application.level)
                  .field("reminded", r.approvers)
                  .endObject();
            });
  });
}

void ApplicationHandlers::submit(Exchange& ex) {
  if (!caller(ex)) return;
  auto b = ex.json(false);
  if (!b) return;
  ApplicationInput in;
  b->onlyFields({kFields[0], kFields[1], kFields[2], kFields[3], kFields[4], kFields[5], kFields[6],
                 kFields[7], kFields[8], kFields[9], kFields[10], kFields[11], kFields[12]});
  readFields(*b, in);
  if (b->error()) return ex.sendError(*b->error());
  respond(ex, _apps.submit(*ex.principal, in), 201,
          [](JsonWriter& w, const Application& a) { write(w, a, true); });
}

void ApplicationHandlers::list(Exchange& ex) {
  if (!caller(ex)) return;
  if (auto e = ex.queryOnly({"clientId", "requester", "tenant", "state", "approver"}))
    return ex.sendError(*e);
  engine::AppFilter f;
  f.clientId = ex.query("clientId");
  f.requester = ex.query("requester");
  f.tenant = ex.query("tenant");
  std::string state = ex.query("state");
  if (!state.empty()) {
    f.state = engine::parseAppState(state);
    if (!f.state)
      return ex.sendError(
          engine::Error::badInput("state",
                                  "state must be one of SUBMITTED, IN_REVIEW, APPROVED, "
                                  "ISSUED, REJECTED, RETURNED, WITHDRAWN, TIMED_OUT"));
  }
  respondList(ex, _apps.list(*ex.principal, f, ex.query("approver")), "applications",
              [](JsonWriter& w, const Application& a) { write(w, a, false); });
}

void ApplicationHandlers::resubmit(Exchange& ex) {
  if (!caller(ex)) return;
  auto b = ex.json(true);
  if (!b) return;
  ApplicationInput in;
  b->onlyFields({"changes"});
  if (auto c = b->child("changes")) {
    c->onlyFields({"keyName", "description", "effectiveAt", "expiresAt", "quota", "apis", "groups",
                   "scopes", "changes"});
    readFields(*c, in);
    b->adopt(*c);
  }
  if (b->error()) return ex.sendError(*b->error());
  respond(ex, _apps.resubmit(*ex.principal, ex.param("id"), in), 200,
          [](JsonWriter& w, const Application& a) { write(w, a, true); });
}

void ApplicationHandlers::decide(Exchange& ex) {
  if (!caller(ex)) return;
  auto b = ex.json(false);
  if (!b) return;
  std::string decision;
  engine::DecisionInput d;
  b->onlyFields({"decision", "approver", "comment"})
      .str("decision", decision, true)
      .str("approver", d.approver)
      .text("comment", d.comment);
  if (!b->error() && !d.approver.empty())
    if (auto e = engine::Validation::email("approver", d.approver)) b->fail("approver", e->message);
  if (!b->error())
    if (auto e = engine::Validation::text("comment", d.comment, 2000, true))
      b->fail("comment", e->message);
  if (!b->error()) {
    if (decision == "approve")
      d.event = engine::AppEvent::Approve;
    else if (decision == "reject")
      d.event = engine::AppEvent::Reject;
    else if (decision == "return")
      d.event = engine::AppEvent::Return;
    else
      b->fail("decision", "decision must be approve, reject or return");
  }
  if (b->error()) return ex.sendError(*b->error());
  respond(ex, _apps.decide(*ex.principal, ex.param("id"), d), 200,
          [](JsonWriter& w, const Application& a) { write(w, a, true); });
}

}  // namespace keywarden::api
