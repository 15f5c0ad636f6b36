#include "engine/Notices.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "engine/DisplayText.h"
#include "engine/FlowParser.h"
#include "engine/Ids.h"
#include "engine/Rfc3339.h"

namespace keywarden::engine {

namespace {
Poco::JSON::Array::Ptr array(const std::vector<std::string>& v) {
  Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
  for (const auto& s : v) a->add(s);
  return a;
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
  Poco::JSON::Object::Ptr c = new Poco::JSON::Object;
  auto client = tx.catalog().findClient(a.clientId);
  c->set("baseUrl", _baseUrl);
  c->set("number", a.number);
  c->set("kind", std::string(appKindName(a.kind)));
  c->set("isNew", a.kind == AppKind::New);
  c->set("isModify", a.kind == AppKind::Modify);
  c->set("isRevoke", a.kind == AppKind::Revoke);
  c->set("keyName", a.keyName);
  c->set("clientId", a.clientId);
  c->set("clientName", client ? client->name : a.clientId);
  c->set("requester", a.requesterEmail);
  c->set("description", a.description);
  c->set("scopes", array(a.scopes));
  c->set("scopesText", DisplayText::list(a.scopes, "none"));
  c->set("apis", array(a.apis));
  c->set("apisText", DisplayText::list(a.apis, "none"));
  c->set("groupsText", DisplayText::list(a.groups, "none"));
  c->set("validFrom", DisplayText::time(a.effectiveAt, "immediately"));
  c->set("validUntil", DisplayText::time(a.expiresAt, "no expiry"));
  c->set("quota", DisplayText::quota(a.quota));
  // A modify application's refill and rate-limit changes (empty: none, the line is left out).
  if (a.kind == AppKind::Modify) c->set("limitsText", a.changes.limitsText());
  c->set("level", a.level);
  c->set("levelCount", a.levelCount);
  c->set("applicationId", a.id);
  if (a.level > 0) {
    Flow f = FlowParser::parse(a.flowSnapshot, "flow snapshot");
    if (a.level <= static_cast<int>(f.levels.size()))
      c->set("levelName", f.levels[a.level - 1].name);
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
  c->set("clientName",
         client ? client->name : (k.clientId.empty() ? "tenant " + k.tenant : k.clientId));
  c->set("tenant", k.tenant);
  c->set("scopes", array(k.scopes));
  c->set("scopesText", DisplayText::list(k.scopes, "none (unrestricted)"));
  c->set("apis", array(k.apis));
  c->set("apisText", DisplayText::list(k.apis, "none"));
  c->set("groupsText", DisplayText::list(k.groups, "none"));
  c->set("validFrom",
         DisplayText::time(k.effectiveAt ? k.effectiveAt : k.createdAt, "immediately"));
  c->set("validUntil", DisplayText::time(k.expiresAt, "no expiry"));
  c->set("quota", DisplayText::quota(k.quota));
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
  Flow f = FlowParser::parse(a.flowSnapshot, "flow snapshot");
  if (a.level < 1 || a.level > static_cast<int>(f.levels.size())) return;
  for (const auto& approver : f.levels[a.level - 1].approvers) {
    auto ctx = applicationContext(tx, a);
    ctx->set("approver", approver);
    ctx->set("link", _baseUrl + "/approvals/" + _links.issue(tx, a.id, approver, a.level, now));
    enqueue(tx, "approval-requested", approver, ctx, "", a.id, "", now);
  }
}

void Notices::escalated(Transaction& tx, const Application& a,
                        const std::vector<std::string>& approvers, int64_t now) const {
  for (const auto& approver : approvers) {
    auto ctx = applicationContext(tx, a);
    ctx->set("approver", approver);
    ctx->set("link", _baseUrl + "/approvals/" + _links.issue(tx, a.id, approver, a.level, now));
    enqueue(tx, "escalated", approver, ctx, "", a.id, "", now);
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
  ctx->set("requester", a.requesterEmail);
  enqueue(tx, "key-issued", a.requesterEmail, ctx, plaintext, a.id, k.id, now);
}

void Notices::applicationApproved(Transaction& tx, const Application& a, int64_t now) const {
  enqueue(tx, "application-approved", a.requesterEmail, applicationContext(tx, a), "", a.id,
          a.keyId, now);
}

void Notices::decided(Transaction& tx, const Application& a, const std::string& event,
                      const std::string& approver, const std::string& comment, int64_t now) const {
  auto ctx = applicationContext(tx, a);
  ctx->set("approver", approver);
  ctx->set("comment", comment.empty() ? "(no comment)" : comment);
  enqueue(tx, event == "reject" ? "rejected" : "returned", a.requesterEmail, ctx, "", a.id, "",
          now);
}

void Notices::withdrawn(Transaction& tx, const Application& a,
                        const std::vector<std::string>& approvers, int64_t now) const {
  enqueue(tx, "withdrawn", a.requesterEmail, applicationContext(tx, a), "", a.id, "", now);
  for (const auto& approver : approvers)
    enqueue(tx, "withdrawn", approver, applicationContext(tx, a), "", a.id, "", now);
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

}  // namespace keywarden::engine
