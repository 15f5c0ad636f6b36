#include "engine/notices/Notices.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <sstream>

#include "engine/base/Ids.h"
#include "engine/base/Rfc3339.h"
#include "engine/flows/FlowParser.h"
#include "engine/notices/ApplicationView.h"
#include "engine/notices/FlowPhrases.h"
#include "engine/text/Phrase.h"

namespace keywarden::engine {

namespace {
using Var = Poco::Dynamic::Var;

// A duration floored to its largest unit: "2d", "5h", "12m", "40s".
int64_t roughly(int64_t ms) {
  for (int64_t unit : {86'400'000LL, 3'600'000LL, 60'000LL})
    if (ms >= unit) return ms / unit * unit;
  return std::max<int64_t>(1, ms / 1000) * 1000;
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

Poco::JSON::Object::Ptr Notices::applicationContext(Transaction& tx, const Application& a) const {
  return ApplicationView::application(tx.catalog(), a, _baseUrl);
}

Poco::JSON::Object::Ptr Notices::keyContext(Transaction& tx, const Key& k) const {
  return ApplicationView::key(tx.catalog(), k, _baseUrl);
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
    ctx->set("waitedText",
             Phrase::shortDuration(roughly(now - ApplicationView::levelEnteredAt(a))));
    ctx->set("originalApproversText", FlowPhrases::names(before));
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
    item->set("waitingSince", Rfc3339::format(ApplicationView::levelEnteredAt(a)));
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
  ApplicationView::addHistory(ctx, a);
  enqueue(tx, "key-issued", a.requesterEmail, ctx, plaintext, a.id, k.id, now);
}

void Notices::applicationApproved(Transaction& tx, const Application& a, int64_t now) const {
  auto ctx = applicationContext(tx, a);
  if (auto k = tx.keys().find(a.keyId)) {
    ctx->set("start", k->start);
    if (a.kind == AppKind::Revoke)
      ctx->set("newApplicationJson", ApplicationView::newApplicationJson(*k));
  }
  enqueue(tx, "application-approved", a.requesterEmail, ctx, "", a.id, a.keyId, now);
}

void Notices::decided(Transaction& tx, const Application& a, const Decision& d, int64_t now) const {
  auto ctx = applicationContext(tx, a);
  Flow f = FlowParser::snapshot(a.flowSnapshot, a.number);
  const bool system = d.approver == "system";
  ctx->set("approver", d.approver);
  ctx->set("byFlow", system);
  ctx->set("decidedLevelText", FlowPhrases::level(f, d.level));
  ctx->set(
      "whoText",
      system ? Phrase::text(d.event == "reject" ? "decided.flowRejects" : "decided.flowReturns",
                            {{"timeout", FlowPhrases::timeout(f, d.level)}})
             : Phrase::text("approval.person",
                            {{"approver", d.approver}, {"level", FlowPhrases::level(f, d.level)}}));
  ctx->set("comment",
           system || d.comment.empty() ? Var(Phrase::text("comment.none")) : Var(d.comment));
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
    ctx->set("decidedLevelText", FlowPhrases::level(f, d.level));
    ctx->set("decidedBy", FlowPhrases::who(d.approver));
    ctx->set("decision", FlowPhrases::decision(d.event));
    ctx->set("decidedText", FlowPhrases::entry(f, d));
    ctx->set("decidedAt", Rfc3339::format(d.at));
    ctx->set("comment", system ? "" : d.comment);
    Phrase::Ptr outcome;
    if (a.state == AppState::InReview)
      outcome = Phrase::text("outcome.waits",
                             {{"level", FlowPhrases::level(f, a.level)},
                              {"approvers", FlowPhrases::names(f.levels[a.level - 1].approvers)}});
    else if (a.state == AppState::Rejected)
      outcome = Phrase::text("outcome.rejected");
    else if (a.state == AppState::Returned)
      outcome = Phrase::text("outcome.returned");
    else
      outcome = Phrase::text(a.kind == AppKind::New      ? "outcome.issued"
                             : a.kind == AppKind::Modify ? "outcome.modified"
                                                         : "outcome.revoked");
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
    ctx->set("withdrawnBy", byRequester
                                ? Var(a.requesterEmail)
                                : Var(Phrase::text("withdrawn.byAdmin", {{"actor", actor}})));
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
  ctx->set("reason", reason.empty() ? Var(Phrase::text("reason.none")) : Var(reason));
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
  ctx->set("validFor", Phrase::duration(expiresAt - now));
  ctx->set("validUntil", Rfc3339::format(expiresAt));
  enqueue(tx, "signin", to, ctx, token, "", "", now);
}

}  // namespace keywarden::engine
