#include "api/MailHandlers.h"

#include "api/Respond.h"

namespace keywarden::api {

void MailHandlers::install(Router& r) {
  r.add("GET", "/v1/mail", [this](Exchange& ex) {
    if (!_auth.require(ex, {engine::Role::Admin})) return;
    if (auto e = ex.queryOnly({"status", "to"})) return ex.sendError(*e);
    respondList(ex, _log.list(*ex.principal, ex.query("status"), ex.query("to")), "mail",
                [](JsonWriter& w, const engine::OutboxMail& m) {
                  w.beginObject()
                      .field("id", m.id)
                      .field("event", m.event)
                      .field("to", m.recipient)
                      .field("subject", m.subject)
                      .field("status", m.status)
                      .field("attempts", m.attempts)
                      .field("messageId",
                             m.messageId.empty() ? "<" + m.id + "@keywarden>" : m.messageId)
                      .field("lastError", m.lastError)
                      .timeField("createdAt", m.createdAt)
                      .timeField("nextAttemptAt", m.status == "PENDING" ? m.nextAttemptAt : 0)
                      .timeField("sentAt", m.sentAt)
                      .timeField("giveUpAt", m.giveUpAt);
                  if (m.applicationId.empty())
                    w.nullField("applicationId");
                  else
                    w.field("applicationId", m.applicationId);
                  if (m.keyId.empty())
                    w.nullField("keyId");
                  else
                    w.field("keyId", m.keyId);
                  w.endObject();
                });
  });
}

}  // namespace keywarden::api
