#include "engine/notices/Notices.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <sstream>

#include "engine/base/Duration.h"
#include "engine/base/Ids.h"
#include "engine/base/Rfc3339.h"
#include "engine/flows/FlowParser.h"
#include "engine/text/DisplayText.h"
#include "engine/text/JsonText.h"
#include "engine/text/Words.h"

namespace keywarden::engine {

namespace {
Poco::JSON::Array::Ptr array(const std::vector<std::string>& v) {
  Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
  for (const auto& s : v) a->add(s);
  return a;
}

// "Team lead (level 1 of 2)", or "level 3" when the flow has no such level.
std::string levelText(const Flow& f, int level) {
  std::string of = " of " + std::to_string(f.levels.size());
  if (level >= 1 && level <= static_cast<int>(f.levels.size()))
    return f.levels[level - 1].name + " (level " + std::to_string(level) + of + ")";
  return "level " + std::to_string(level);
}

std::string flowName(const Flow& f) {
  return f.name.empty() ? f.id : f.name + " (" + f.id + ")";
}

// Sentences for the decisions of the flow's timeout rule ("system").
std::string timeoutText(const Flow& f, int level) {
  int64_t ms =
      level >= 1 && level <= static_cast<int>(f.levels.size()) ? f.levels[level - 1].timeoutMs : 0;
  return "no one decided " + (ms > 0 ? "within " + Duration::format(ms) : std::string("in time")) +
         " at " + levelText(f, level);
}

// One history entry as a sentence: who did what, where and when.
std::string decisionText(const Flow& f, const Decision& d) {
  std::string when = " on " + Rfc3339::format(d.at);
  if (d.approver == "system") {
    if (d.event == "approve") return timeoutText(f, d.level) + ", so the flow approved it" + when;
    if (d.event == "reject") return timeoutText(f, d.level) + ", so the flow rejected it" + when;
    return timeoutText(f, d.level) + ": " + d.comment + when;
  }
  return d.approver + " " + DisplayText::decision(d.event) + " at " + levelText(f, d.level) + when;
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

// When the application entered its current level: its last (re)submission for level 1, else
// the (last, so completing) approval at the level before.
int64_t levelEnteredAt(const Application& a) {
  int64_t at = a.createdAt;
  for (const auto& d : a.history)
    if (d.event == "submit" || d.event == "resubmit" ||
        (a.level > 1 && d.event == "approve" && d.level == a.level - 1))
      at = d.at;
  return at;
}

// What a key (or the key an application asks for) may call, in words (contract §4, §8.1 "What a
// key may call"): `apisText` names each API with its method and path, `groupsText` each group
// with its APIs, `accessText` says in one sentence whether it is unrestricted.
void setGrants(Transaction& tx, Poco::JSON::Object::Ptr c, const std::string& tenant,
               const std::vector<std::string>& scopes, const std::vector<std::string>& apis,
               const std::vector<std::string>& groups) {
  auto apiText = [&](const std::string& id) {
    auto api = tx.catalog().findApi(id);
    if (!api || api->tenant != tenant) return id + " (no longer registered)";
    return api->name + " (" + (api->method == "*" ? std::string("any method") : api->method) + " " +
           api->path + ")";
  };
  std::vector<std::string> apiTexts, groupTexts;
  Poco::JSON::Array::Ptr apiList = new Poco::JSON::Array;
  for (const auto& id : apis) {
    apiTexts.push_back(apiText(id));
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
    item->set("id", id);
    item->set("text", apiTexts.back());
    apiList->add(item);
  }
  for (const auto& id : groups) {
    auto g = tx.catalog().findGroup(id);
    if (!g || g->tenant != tenant) {
      groupTexts.push_back(id + " (no longer registered)");
      continue;
    }
    std::vector<std::string> inside;
    for (const auto& api : g->apis) inside.push_back(apiText(api));
    groupTexts.push_back(g->name + ": " + DisplayText::list(inside, "no APIs"));
  }
  const bool unrestricted = scopes.empty() && apis.empty() && groups.empty();
  c->set("unrestricted", unrestricted);
  c->set("scopes", array(scopes));
  c->set("scopesText", DisplayText::list(scopes, "none"));
  c->set("apis", array(apis));
  c->set("apiList", apiList);
  c->set("apisText", DisplayText::list(apiTexts, "none"));
  c->set("groupsText", DisplayText::list(groupTexts, "none", "; "));
  std::vector<std::string> parts;
  if (!apis.empty()) parts.push_back("the APIs listed");
  if (!groups.empty()) parts.push_back("the APIs of the groups listed");
  if (!scopes.empty()) parts.push_back("the registered APIs whose scopes it holds");
  c->set("accessText",
         unrestricted
             ? std::string("unrestricted: no APIs, groups or scopes, so it may call every API, "
                           "and paths no API is registered for")
             : "restricted: it may call only " + DisplayText::sentenceList(parts));
}

// A duration floored to its largest unit: "2d", "5h", "12m", "40s".
std::string roughly(int64_t ms) {
  for (int64_t unit : {86'400'000LL, 3'600'000LL, 60'000LL})
    if (ms >= unit) return Duration::format(ms / unit * unit);
  return Duration::format(std::max<int64_t>(1, ms / 1000) * 1000);
}

// The body of a new application asking for a key like `k` again (POST /v1/applications, §6.5).
std::string newApplicationJson(const Key& k) {
  std::string j = "{\"kind\":\"new\",\"clientId\":" + JsonText::quoted(k.clientId) +
                  ",\"keyName\":" + JsonText::quoted(k.name);
  if (!k.apis.empty()) j += ",\"apis\":" + JsonText::array(k.apis);
  if (!k.groups.empty()) j += ",\"groups\":" + JsonText::array(k.groups);
  if (!k.scopes.empty()) j += ",\"scopes\":" + JsonText::array(k.scopes);
  return j + ",\"description\":\"why it is needed\"}";
}
}  // namespace

Notices::Notices(const SecretBox& sealer, const LinkSigner& links, std::string baseUrl,
                 int64_t giveUpMs)
    : _sealer(sealer), _links(links), _baseUrl(std::move(baseUrl)), _giveUpMs(giveUpMs) {}

std::string Notices::holderOf(Transaction& tx, const Key& k) {
  if (!k.applicationId.empty())
    if (auto a = tx.applications().find(k.applicationId)) return a->requesterEmail;
  if (!k.clientId.empty())
    if (auto c = tx.catalog().findClient(k.clientId)) return c->contactEmail;
  return {};
}

void Notices::addHistory(Poco::JSON::Object::Ptr c, const Application& a) const {
  Flow f = FlowParser::snapshot(a.flowSnapshot, a.number);
  c->set("flowName", flowName(f));
  Poco::JSON::Array::Ptr decisions = new Poco::JSON::Array;
  Poco::JSON::Array::Ptr comments = new Poco::JSON::Array;
  std::vector<std::string> approvals;
  for (const Decision* d : reviewDecisions(a)) {
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
    item->set("text", decisionText(f, *d));
    const bool person = d->approver != "system";
    item->set("comment", person ? d->comment : "");
    decisions->add(item);
    if (person && !d->comment.empty()) {
      Poco::JSON::Object::Ptr note = new Poco::JSON::Object;
      note->set("who", d->approver + " (" + DisplayText::decision(d->event) + " at " +
                           levelText(f, d->level) + ")");
      note->set("comment", d->comment);
      comments->add(note);
    }
    if (d->event == "approve")
      approvals.push_back(person ? d->approver + " at " + levelText(f, d->level)
                                 : timeoutText(f, d->level) + ", so the flow approved it");
  }
  c->set("decisions", decisions);
  c->set("hasDecisions", decisions->size() > 0);
  c->set("comments", comments);
  c->set("hasComments", comments->size() > 0);
  c->set("approvalText",
         f.levels.empty()
             ? "approved at once by the flow " + flowName(f) + ", which has no approval levels"
         : approvals.empty() ? std::string("approved")
                             : "approved by " + DisplayText::sentenceList(approvals));
}

Poco::JSON::Object::Ptr Notices::applicationContext(Transaction& tx, const Application& a) const {
  Poco::JSON::Object::Ptr c = new Poco::JSON::Object;
  auto client = tx.catalog().findClient(a.clientId);
  c->set("baseUrl", _baseUrl);
  c->set("number", a.number);
  c->set("kind", std::string(appKindName(a.kind)));
  c->set("isNew", a.kind == AppKind::New);
  c->set("isModify", a.kind == AppKind::Modify);
  c->set("isRevoke", a.kind == AppKind::Revoke);
  c->set("keyName", a.keyName);
  c->set("keyId", a.keyId);
  c->set("clientId", a.clientId);
  c->set("clientName", client ? client->name : a.clientId);
  c->set("requester", a.requesterEmail);
  c->set("description", a.description);
  setGrants(tx, c, a.tenant, a.scopes, a.apis, a.groups);
  c->set("validFrom", DisplayText::time(a.effectiveAt, "immediately"));
  c->set("validUntil", DisplayText::time(a.expiresAt, "no expiry"));
  c->set("quota", DisplayText::quota(a.quota));
  // A modify application's refill and rate-limit changes (empty: none, the line is left out).
  if (a.kind == AppKind::Modify) c->set("limitsText", a.changes.limitsText());
  c->set("level", a.level);
  c->set("levelCount", a.levelCount);
  c->set("applicationId", a.id);
  c->set("state", std::string(appStateName(a.state)));
  addHistory(c, a);
  Flow f = FlowParser::snapshot(a.flowSnapshot, a.number);
  if (a.level > 0 && a.level <= static_cast<int>(f.levels.size())) {
    const FlowLevel& l = f.levels[a.level - 1];
    c->set("levelName", l.name);
    c->set("levelText", levelText(f, a.level));
    c->set("levelApproversText", DisplayText::list(l.approvers, "none"));
    c->set("policyText", l.policyText());
    std::string onTimeout;
    if (l.onTimeout == FlowLevel::OnTimeout::Reject)
      onTimeout = "the flow rejects the application";
    else if (l.onTimeout == FlowLevel::OnTimeout::Approve)
      onTimeout = "the flow approves the level";
    else if (l.onTimeout == FlowLevel::OnTimeout::Escalate)
      onTimeout = "the flow escalates it to " + DisplayText::list(l.escalateTo, "no one");
    c->set("timeoutText", l.timeoutMs > 0 && !onTimeout.empty()
                              ? Duration::format(l.timeoutMs) + ", " + onTimeout
                              : "");
    std::string next;
    if (a.level < static_cast<int>(f.levels.size()))
      next = "it goes on to " + levelText(f, a.level + 1) + ": " +
             DisplayText::list(f.levels[a.level].approvers, "none");
    else if (a.kind == AppKind::New)
      next = "the key is issued and mailed to " + a.requesterEmail;
    else if (a.kind == AppKind::Modify)
      next = "the key's settings are changed as asked";
    else
      next = "the key is revoked";
    c->set("nextText", next);
  }
  return c;
}

Poco::JSON::Object::Ptr Notices::keyContext(Transaction& tx, const Key& k) const {
  Poco::JSON::Object::Ptr c = new Poco::JSON::Object;
  auto client = k.clientId.empty() ? std::nullopt : tx.catalog().findClient(k.clientId);
  c->set("baseUrl", _baseUrl);
  c->set("keyId", k.id);
  c->set("keyName", k.name);
  c->set("start", k.start);
  c->set("clientId", k.clientId);
  c->set("hasClient", !k.clientId.empty());
  c->set("clientName",
         client ? client->name : (k.clientId.empty() ? "tenant " + k.tenant : k.clientId));
  c->set("tenant", k.tenant);
  setGrants(tx, c, k.tenant, k.scopes, k.apis, k.groups);
  c->set("validFrom",
         DisplayText::time(k.effectiveAt ? k.effectiveAt : k.createdAt, "immediately"));
  c->set("validUntil", DisplayText::time(k.expiresAt, "no expiry"));
  c->set("quota", DisplayText::quota(k.quota));
  c->set("newApplicationJson", newApplicationJson(k));
  return c;
}

void Notices::enqueue(Transaction& tx, const std::string& event, const std::string& to,
                      Poco::JSON::Object::Ptr ctx, const std::string& secret,
                      const std::string& applicationId, const std::string& keyId,
                      int64_t now) const {
  if (to.empty()) return;  // nobody to tell (a key without requester or client contact)
  OutboxMail m;
  m.id = Ids::make("mail");
  m.event = event;
  m.recipient = to;
  ctx->set("recipient", to);
  std::ostringstream s;
  Poco::JSON::Stringifier::condense(ctx, s);
  m.context = s.str();
  if (!secret.empty()) m.sealedSecret = _sealer.seal(secret);
  m.nextAttemptAt = now;
  m.createdAt = now;
  m.giveUpAt = now + _giveUpMs;
  m.applicationId = applicationId;
  m.keyId = keyId;
  tx.outbox().enqueue(m);
  if (_wake) tx.afterCommit(_wake);
}

void Notices::levelEntered(Transaction& tx, const Application& a, int64_t now) const {
  Flow f = FlowParser::snapshot(a.flowSnapshot, a.number);
  if (a.level < 1 || a.level > static_cast<int>(f.levels.size())) return;
  for (const auto& approver : f.levels[a.level - 1].approvers) {
    if (approver == a.requesterEmail) continue;  // never a link to decide on one's own
    auto ctx = applicationContext(tx, a);
    ctx->set("approver", approver);
    ctx->set("link", _baseUrl + "/approvals/" + _links.issue(tx, a.id, approver, a.level, now));
    enqueue(tx, "approval-requested", approver, ctx, "", a.id, "", now);
  }
}

void Notices::escalated(Transaction& tx, const Application& a,
                        const std::vector<std::string>& approvers, int64_t now) const {
  Flow f = FlowParser::snapshot(a.flowSnapshot, a.number);
  std::vector<std::string> before;
  if (a.level >= 1 && a.level <= static_cast<int>(f.levels.size()))
    for (const auto& x : f.levels[a.level - 1].approvers)
      if (std::find(approvers.begin(), approvers.end(), x) == approvers.end()) before.push_back(x);
  for (const auto& approver : approvers) {
    if (approver == a.requesterEmail) continue;  // never a link to decide on one's own
    auto ctx = applicationContext(tx, a);
    ctx->set("approver", approver);
    ctx->set("waitedText", roughly(now - levelEnteredAt(a)));
    ctx->set("originalApproversText", DisplayText::list(before, "none"));
    ctx->set("link", _baseUrl + "/approvals/" + _links.issue(tx, a.id, approver, a.level, now));
    enqueue(tx, "escalated", approver, ctx, "", a.id, "", now);
  }
}

void Notices::reminded(Transaction& tx, const Application& a,
                       const std::vector<std::string>& approvers, int64_t now) const {
  for (const auto& approver : approvers) {
    auto ctx = applicationContext(tx, a);
    ctx->set("approver", approver);
    ctx->set("reminder", true);
    ctx->set("link", _baseUrl + "/approvals/" + _links.issue(tx, a.id, approver, a.level, now));
    enqueue(tx, "approval-requested", approver, ctx, "", a.id, "", now);
  }
}

void Notices::digest(Transaction& tx, const std::string& approver,
                     const std::vector<Application>& waiting, int64_t now) const {
  Poco::JSON::Object::Ptr ctx = new Poco::JSON::Object;
  ctx->set("baseUrl", _baseUrl);
  ctx->set("approver", approver);
  ctx->set("count", static_cast<int>(waiting.size()));
  Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
  for (const auto& a : waiting) {
    Poco::JSON::Object::Ptr item = applicationContext(tx, a);
    item->set("waitingSince", Rfc3339::format(levelEnteredAt(a)));
    item->set("link", _baseUrl + "/approvals/" + _links.issue(tx, a.id, approver, a.level, now));
    items->add(item);
  }
  ctx->set("applications", items);
  enqueue(tx, "approver-digest", approver, ctx, "", "", "", now);
}

void Notices::keyExpiring(Transaction& tx, const Key& k, int64_t now) const {
  enqueue(tx, "expiring-soon", holderOf(tx, k), keyContext(tx, k), "", k.applicationId, k.id, now);
}

void Notices::keyExpired(Transaction& tx, const Key& k, int64_t now) const {
  enqueue(tx, "expired", holderOf(tx, k), keyContext(tx, k), "", k.applicationId, k.id, now);
}

void Notices::keyIssued(Transaction& tx, const Application& a, const Key& k,
                        const std::string& plaintext, int64_t now) const {
  auto ctx = keyContext(tx, k);
  ctx->set("number", a.number);
  ctx->set("applicationId", a.id);
  ctx->set("requester", a.requesterEmail);
  addHistory(ctx, a);
  enqueue(tx, "key-issued", a.requesterEmail, ctx, plaintext, a.id, k.id, now);
}

void Notices::applicationApproved(Transaction& tx, const Application& a, int64_t now) const {
  auto ctx = applicationContext(tx, a);
  if (auto k = tx.keys().find(a.keyId)) {
    ctx->set("start", k->start);
    if (a.kind == AppKind::Revoke) ctx->set("newApplicationJson", newApplicationJson(*k));
  }
  enqueue(tx, "application-approved", a.requesterEmail, ctx, "", a.id, a.keyId, now);
}

void Notices::decided(Transaction& tx, const Application& a, const Decision& d, int64_t now) const {
  auto ctx = applicationContext(tx, a);
  Flow f = FlowParser::snapshot(a.flowSnapshot, a.number);
  const bool system = d.approver == "system";
  ctx->set("approver", d.approver);
  ctx->set("byFlow", system);
  ctx->set("decidedLevelText", levelText(f, d.level));
  ctx->set("whoText", system ? timeoutText(f, d.level) + ", and the flow " +
                                   (d.event == "reject" ? "rejects" : "returns") + " on timeout"
                             : d.approver + " at " + levelText(f, d.level));
  ctx->set("comment", system || d.comment.empty() ? "(no comment)" : d.comment);
  ctx->set("decidedAt", Rfc3339::format(d.at));
  enqueue(tx, d.event == "reject" ? "rejected" : "returned", a.requesterEmail, ctx, "", a.id, "",
          now);
}

void Notices::levelDecided(Transaction& tx, const Application& a, const Decision& d,
                           const std::vector<std::string>& waiting, int64_t now) const {
  Flow f = FlowParser::snapshot(a.flowSnapshot, a.number);
  const bool system = d.approver == "system";
  auto fill = [&](Poco::JSON::Object::Ptr ctx) {
    ctx->set("decidedLevel", d.level);
    ctx->set("decidedLevelText", levelText(f, d.level));
    ctx->set("decidedBy", DisplayText::who(d.approver));
    ctx->set("decision", DisplayText::decision(d.event));
    ctx->set("decidedText", decisionText(f, d));
    ctx->set("decidedAt", Rfc3339::format(d.at));
    ctx->set("comment", system ? "" : d.comment);
    std::string outcome;
    if (a.state == AppState::InReview)
      outcome = "It now waits for " + levelText(f, a.level) + ": " +
                DisplayText::list(f.levels[a.level - 1].approvers, "none") + ".";
    else if (a.state == AppState::Rejected)
      outcome = "The application is rejected and closed.";
    else if (a.state == AppState::Returned)
      outcome = "The application went back to its requester for changes.";
    else
      outcome = a.kind == AppKind::New ? "Review is complete: the key is issued to its requester."
                : a.kind == AppKind::Modify ? "Review is complete: the key's settings are changed."
                                            : "Review is complete: the key is revoked.";
    ctx->set("outcomeText", outcome);
  };
  for (const auto& approver : waiting) {
    if (approver == d.approver) continue;
    auto ctx = applicationContext(tx, a);
    fill(ctx);
    ctx->set("approver", approver);
    enqueue(tx, "level-completed", approver, ctx, "", a.id, "", now);
  }
  if (a.state == AppState::InReview && a.level > d.level) {
    auto ctx = applicationContext(tx, a);
    fill(ctx);
    enqueue(tx, "application-progress", a.requesterEmail, ctx, "", a.id, "", now);
  }
}

void Notices::withdrawn(Transaction& tx, const Application& a,
                        const std::vector<std::string>& approvers, bool byRequester,
                        const std::string& actor, int64_t now) const {
  auto fill = [&](Poco::JSON::Object::Ptr ctx, bool toRequester) {
    ctx->set("toRequester", toRequester);
    ctx->set("byRequester", byRequester);
    ctx->set("withdrawnBy", byRequester ? a.requesterEmail : "an administrator (" + actor + ")");
    ctx->set("withdrawnAt", Rfc3339::format(now));
    return ctx;
  };
  enqueue(tx, "withdrawn", a.requesterEmail, fill(applicationContext(tx, a), true), "", a.id, "",
          now);
  for (const auto& approver : approvers)
    enqueue(tx, "withdrawn", approver, fill(applicationContext(tx, a), false), "", a.id, "", now);
}

void Notices::keyRevoked(Transaction& tx, const Key& k, const std::string& reason,
                         int64_t now) const {
  auto ctx = keyContext(tx, k);
  ctx->set("reason", reason.empty() ? "(no reason given)" : reason);
  ctx->set("revokedAt", Rfc3339::format(k.revokeAt ? k.revokeAt : now));
  ctx->set("planned", k.revokeAt > now);
  enqueue(tx, "revoked", holderOf(tx, k), ctx, "", k.applicationId, k.id, now);
}

void Notices::keyRotated(Transaction& tx, const Key& old, const Key& fresh, int64_t now) const {
  auto ctx = keyContext(tx, old);
  ctx->set("newKeyId", fresh.id);
  ctx->set("newStart", fresh.start);
  ctx->set("graceUntil", Rfc3339::format(old.revokeAt ? old.revokeAt : now));
  enqueue(tx, "rotated", holderOf(tx, old), ctx, "", old.applicationId, old.id, now);
}

void Notices::signIn(Transaction& tx, const std::string& to, const std::string& token,
                     int64_t expiresAt, int64_t now) const {
  Poco::JSON::Object::Ptr ctx = new Poco::JSON::Object;
  ctx->set("baseUrl", _baseUrl);  // the link is {{baseUrl}}/signin/{{key}}: the token is sealed
  ctx->set("validFor", Words::duration(expiresAt - now));
  ctx->set("validUntil", Rfc3339::format(expiresAt));
  enqueue(tx, "signin", to, ctx, token, "", "", now);
}

}  // namespace keywarden::engine
