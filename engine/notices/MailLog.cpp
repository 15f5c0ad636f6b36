#include "engine/notices/MailLog.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "engine/text/JsonText.h"
#include "engine/text/Validation.h"

namespace keywarden::engine {

namespace {
std::optional<Error> adminOfAll(const Principal& p) {
  if (p.role != Role::Admin || !p.tenant.empty())
    return Error::forbidden("FORBIDDEN_ROLE", "the mail log is for admin tokens of all tenants");
  return std::nullopt;
}

Error notFailed(const OutboxMail& m, const std::string& action) {
  return Error::conflict("INVALID_STATE", "mail '" + m.id + "' is " + m.status +
                                              "; only a FAILED mail can be " + action);
}

// The FAILED mail `id` for `action` ("resent", "discarded"), or the error to answer: 404 when
// unknown, 409 when not FAILED.
Result<OutboxMail> failedMail(Transaction& tx, const std::string& id, const std::string& action) {
  auto m = tx.outbox().find(id);
  if (!m) return Error::notFound("mail", id);
  if (m->status != "FAILED") return notFailed(*m, action);
  return std::move(*m);
}

// The template context with `recipient` replaced (a resend to a corrected address).
std::string withRecipient(const std::string& context, const std::string& to) {
  Poco::JSON::Object::Ptr ctx;
  try {
    ctx = Poco::JSON::Parser().parse(context).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    return context;
  }
  if (!ctx) return context;
  ctx->set("recipient", to);
  std::ostringstream s;
  Poco::JSON::Stringifier::condense(ctx, s);
  return s.str();
}

std::string lowerCase(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}
}  // namespace

Result<std::vector<OutboxMail>> MailLog::list(const Principal& p, const std::string& status,
                                              const std::string& to) {
  if (auto e = adminOfAll(p)) return *e;
  if (!status.empty() && status != "PENDING" && status != "SENDING" && status != "SENT" &&
      status != "FAILED" && status != "DISCARDED")
    return Error::badInput("status", "status must be PENDING, SENDING, SENT, FAILED or DISCARDED");
  std::vector<OutboxMail> out;
  _store.read([&](Transaction& tx) { out = tx.outbox().list(status, to); });
  for (auto& m : out) m.sealedSecret = m.sealedSecret.empty() ? "" : "sealed";
  return out;
}

Result<OutboxMail> MailLog::resend(const Principal& p, const std::string& id,
                                   const std::optional<std::string>& to) {
  if (auto e = adminOfAll(p)) return *e;
  std::string recipient;
  if (to) {
    // Validation::email takes only plain ASCII addresses, as an SMTP envelope carries them.
    if (auto e = Validation::email("to", *to)) return *e;
    recipient = lowerCase(*to);
  }
  auto out = _store.write([&](Transaction& tx) -> Result<OutboxMail> {
    auto found = failedMail(tx, id, "resent");
    if (!found) return found;
    const OutboxMail* m = &found.value();
    int64_t now = _clock.nowMs();
    if (!m->keyId.empty() && !m->sealedSecret.empty()) {
      auto key = tx.keys().find(m->keyId);
      KeyState state = key ? key->effectiveState(now) : KeyState::Revoked;
      if (state == KeyState::Revoked || state == KeyState::Expired) {
        return Error::conflict("INVALID_STATE",
                               "mail '" + m->id + "' carries key '" + m->keyId + "', which is " +
                                   std::string(keyStateName(state)) + "; discard the mail instead");
      }
    }
    std::string from = m->recipient;
    if (recipient.empty()) recipient = m->recipient;
    std::string context =
        recipient == m->recipient ? m->context : withRecipient(m->context, recipient);
    if (!tx.outbox().requeue(m->id, recipient, context, now, now + _giveUpMs))
      return notFailed(*m, "resent");  // changed meanwhile
    tx.audit().append({now, p.actor(), "mail.resend", "mail", m->id, "",
                       "{\"event\":" + JsonText::quoted(m->event) + ",\"from\":" +
                           JsonText::quoted(from) + ",\"to\":" + JsonText::quoted(recipient) +
                           ",\"previousError\":" + JsonText::quoted(m->lastError) + "}"});
    if (_wake) tx.afterCommit(_wake);
    return *tx.outbox().find(m->id);
  });
  if (out) out.value().sealedSecret = out.value().sealedSecret.empty() ? "" : "sealed";
  return out;
}

Result<OutboxMail> MailLog::discard(const Principal& p, const std::string& id) {
  if (auto e = adminOfAll(p)) return *e;
  return _store.write([&](Transaction& tx) -> Result<OutboxMail> {
    auto found = failedMail(tx, id, "discarded");
    if (!found) return found;
    const OutboxMail* m = &found.value();
    if (!tx.outbox().discard(m->id)) return notFailed(*m, "discarded");  // changed meanwhile
    int64_t now = _clock.nowMs();
    tx.audit().append({now, p.actor(), "mail.discard", "mail", m->id, "",
                       "{\"event\":" + JsonText::quoted(m->event) +
                           ",\"to\":" + JsonText::quoted(m->recipient) +
                           ",\"keyErased\":" + (m->sealedSecret.empty() ? "false" : "true") + "}"});
    return *tx.outbox().find(m->id);
  });
}

}  // namespace keywarden::engine
