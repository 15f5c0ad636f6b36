// Console: the mail log (resend a FAILED mail) and access tokens (create — shown once —, list,
// revoke), through MailLog and TokenService as the JSON API and the CLI do.
#include <Poco/String.h>

#include <algorithm>

#include "web/Console.h"
#include "web/Views.h"

namespace keywarden::web {

void Console::mailList(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  mailListPage(ex, a, {}, nullptr, 200);
}

void Console::mailListPage(api::Exchange& ex, const Admin& a, const MailDraft& draft,
                           const engine::Error* error, int httpStatus) {
  int64_t now = Views::now();
  std::string status = ex.query("status"), to = Poco::trim(ex.query("to"));
  api::JsonWriter w;
  w.beginObject().field("to", to).field("done", ex.query("done"));
  w.field("done_" + ex.query("done"), true);
  w.beginArray("statuses");
  for (const char* s : {"PENDING", "SENDING", "SENT", "FAILED", "DISCARDED"})
    w.beginObject().field("name", s).field("selected", status == s).endObject();
  w.endArray();
  auto mails = _s.mail.list(a.principal, status, to);
  w.field("shown", mails.ok());
  if (!mails) {
    w.field("refused", mails.error().message);
  } else {
    auto rows = mails.value();
    std::sort(rows.begin(), rows.end(),
              [](const auto& x, const auto& y) { return x.createdAt > y.createdAt; });
    w.beginArray("mails");
    size_t n = 0;
    for (const auto& m : rows) {
      if (n++ >= kMaxRows) break;
      w.beginObject()
          .field("id", m.id)
          .field("event", m.event)
          .field("recipient", m.recipient)
          .field("subject", m.subject)
          .field("status", m.status)
          .field("failed", m.status == "FAILED")
          .field("attempts", static_cast<int64_t>(m.attempts))
          .field("lastError", m.lastError)
          .field("applicationId", m.applicationId)
          .field("keyId", m.keyId);
      if (error && m.id == draft.id) {
        std::string text = error->message;
        if (!text.empty() && text.back() != '.') text += ".";
        w.field("resendTo", draft.to).field("resendError", text);
      }
      when(w, "created", m.createdAt, now);
      when(w, "sent", m.sentAt, now);
      when(w, "next", m.status == "PENDING" ? m.nextAttemptAt : 0, now);
      w.endObject();
    }
    w.endArray().field("none", rows.empty()).field("cut", rows.size() > kMaxRows);
  }
  render(ex, a, "mail", "mail", w, mails ? httpStatus : Portal::statusOf(mails.error()));
}

void Console::mailResend(api::Exchange& ex) {
  Admin a;
  std::map<std::string, std::string> form;
  std::optional<engine::Error> unreadable;  // shown by the row's form, with what was typed
  if (!enterForm(ex, a, {"to"}, form, &unreadable)) return;
  std::string to = Poco::trim(form["to"]);
  MailDraft draft{ex.param("id"), to};
  if (unreadable) return mailListPage(ex, a, draft, &*unreadable, 400);
  auto r = _s.mail.resend(a.principal, ex.param("id"),
                          to.empty() ? std::nullopt : std::optional<std::string>(to));
  if (!r && r.error().kind == engine::ErrorKind::BadInput)
    return mailListPage(ex, a, draft, &r.error(), 400);
  if (!r) return fail(ex, a, r.error(), "/admin/mail?status=FAILED");
  _s.portal.redirect(ex, "/admin/mail?done=resent");
}

void Console::tokenListPage(api::Exchange& ex, const Admin& a,
                            const std::map<std::string, std::string>& values,
                            const engine::Error* error, int status) {
  auto value = [&](const std::string& k) {
    auto it = values.find(k);
    return it == values.end() ? std::string() : it->second;
  };
  int64_t now = Views::now();
  api::JsonWriter w;
  w.beginObject().field("done", ex.request().getMethod() == "GET" ? ex.query("done") : "");
  w.beginArray("tokens");
  size_t n = 0;
  auto tokens = _s.tokens.list();
  std::sort(tokens.begin(), tokens.end(),
            [](const auto& x, const auto& y) { return x.createdAt > y.createdAt; });
  for (const auto& t : tokens) {
    if (!a.tenant.empty() && t.tenant != a.tenant) continue;
    if (t.revokedAt && ex.query("revoked").empty()) continue;
    if (n++ >= kMaxRows) break;
    w.beginObject()
        .field("id", t.id)
        .field("role", std::string(engine::roleName(t.role)))
        .field("tenant", t.tenant)
        .field("email", t.email)
        .field("name", t.name)
        .field("live", t.revokedAt == 0);
    when(w, "created", t.createdAt, now);
    when(w, "revoked", t.revokedAt, now);
    w.endObject();
  }
  w.endArray().field("none", n == 0);
  w.beginArray("roles");
  for (const char* r : {"admin", "gateway", "requester", "approver"})
    w.beginObject().field("name", r).field("selected", value("role") == r).endObject();
  w.endArray();
  w.field("email", value("email")).field("name", value("name"));
  w.field("tenantValue", value("tenant"));
  if (error) formError(w, *error, {"role", "email", "tenant", "name"});
  render(ex, a, "tokens", "tokens", w, status);
}

void Console::tokenList(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  tokenListPage(ex, a, {}, nullptr, 200);
}

void Console::tokenCreate(api::Exchange& ex) {
  Admin a;
  std::map<std::string, std::string> form;
  std::optional<engine::Error> unreadable;  // shown on the form, with what could be read
  if (!enterForm(ex, a, {"role", "email", "tenant", "name"}, form, &unreadable)) return;
  std::string tenant = Poco::trim(form["tenant"]), email = Poco::toLower(Poco::trim(form["email"]));
  std::optional<engine::Error> error = unreadable;
  auto role = engine::parseRole(form["role"]);
  if (!error && !role)
    error = engine::Error::badInput("role", "role must be admin, gateway, requester or approver");
  // A tenant admin mints tokens of its own tenant only (so never an admin of another).
  if (!error && !a.tenant.empty()) {
    if (tenant.empty()) tenant = a.tenant;
    if (tenant != a.tenant)
      error = engine::Error::forbidden("TENANT_FORBIDDEN",
                                       "you may not act in tenant '" + tenant + "'");
  }
  if (error && error->kind == engine::ErrorKind::Forbidden) error->field = "tenant";
  if (!error) {
    auto minted = _s.tokens.create(*role, tenant, email, Poco::trim(form["name"]));
    if (minted) {
      api::JsonWriter w;
      w.beginObject()
          .field("id", minted.value().token.id)
          .field("role", std::string(engine::roleName(minted.value().token.role)))
          .field("tenant", minted.value().token.tenant)
          .field("name", minted.value().token.name)
          .field("token", minted.value().plaintext);
      return render(ex, a, "tokens", "token-created", w, 201);
    }
    error = minted.error();
  }
  tokenListPage(ex, a, form, &*error, Portal::statusOf(*error));
}

void Console::tokenRevoke(api::Exchange& ex) {
  Admin a;
  std::map<std::string, std::string> form;
  if (!enterForm(ex, a, {"confirm"}, form)) return;
  const std::string& id = ex.param("id");
  auto tokens = _s.tokens.list();
  auto t = std::find_if(tokens.begin(), tokens.end(), [&](const auto& x) { return x.id == id; });
  if (t == tokens.end() || (!a.tenant.empty() && t->tenant != a.tenant))
    return problem(ex, a, 404, "notFound", "token", "/admin/tokens");
  if (form["confirm"] != "yes") return problem(ex, a, 400, "badConfirm", "", "/admin/tokens");
  auto s = _s.tokens.revoke(id, a.principal.actor());
  if (!s) return fail(ex, a, s.error(), "/admin/tokens");
  _s.portal.redirect(ex, "/admin/tokens?done=revoked");
}

}  // namespace keywarden::web
