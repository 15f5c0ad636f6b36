// Portal: the home page, signing in by mailed link, signing out (contract §7).
#include <Poco/String.h>

#include "api/ApprovalPages.h"
#include "engine/text/Phrase.h"
#include "engine/text/Words.h"
#include "web/Portal.h"
#include "web/Views.h"

namespace keywarden::web {

using engine::portal::PortalService;

void Portal::home(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!v.session) return signinPage(ex, v);
  const auto& s = *v.session;
  api::JsonWriter w;
  w.beginObject();
  w.field("isRequester", v.roles.requester)
      .field("isApprover", v.roles.approver)
      .field("isAdmin", v.roles.admin);
  int64_t now = Views::now();
  if (v.roles.approver) {
    auto r = _s.applications.list(PortalService::approver(s), {}, s.email);
    w.beginArray("waiting");
    if (r)
      for (const auto& a : r.value()) Views::row(w, a, now, tx(v));
    w.endArray();
    w.field("waitingCount", r ? static_cast<int64_t>(r.value().size()) : 0);
  }
  if (v.roles.requester) {
    auto r = _s.applications.list(PortalService::requester(s), {}, "");
    w.beginArray("returned");
    int64_t open = 0;
    if (r)
      for (const auto& a : r.value()) {
        if (a.state == engine::AppState::Returned) Views::row(w, a, now, tx(v));
        if (a.state == engine::AppState::InReview) ++open;
      }
    w.endArray();
    w.field("openCount", open);
    w.beginArray("mine");
    if (r) {
      int n = 0;
      for (auto it = r.value().rbegin(); it != r.value().rend() && n < 5; ++it, ++n)
        Views::row(w, *it, now, tx(v));
    }
    w.endArray();
  }
  if (v.roles.admin) {
    engine::AppFilter f;
    f.state = engine::AppState::InReview;
    auto r = _s.applications.list(PortalService::admin(s), f, "");
    w.field("reviewCount", r ? static_cast<int64_t>(r.value().size()) : 0);
  }
  render(ex, v, "home", tx(v)("title.home"), w);
}

void Portal::signinForm(api::Exchange& ex) {
  Visit v = visit(ex);
  if (v.session) return redirect(ex, "/");
  signinPage(ex, v);
}

void Portal::signinPage(api::Exchange& ex, const Visit& v) {
  api::JsonWriter w;
  w.beginObject();
  render(ex, v, "signin", tx(v)("title.signin"), w);
}

bool Portal::clientOf(api::Exchange& ex, engine::AttemptKey& key) const {
  auto fields = api::HeaderFields::of(ex.request());
  return _source.of(api::IpAddress::of(ex.request().clientAddress().addr()),
                    api::HeaderFields(fields.data(), fields.size()), key);
}

const engine::AttemptKey* Portal::attemptSource(api::Exchange& ex, engine::AttemptKey& key) const {
  return _guard && clientOf(ex, key) ? &key : nullptr;
}

bool Portal::linkBlocked(api::Exchange& ex, const engine::AttemptKey* src) {
  if (!_guard || !src) return false;
  int64_t now = _guard->clock().nowMs();
  int64_t until = _guard->linkBlocked(*src, now);
  if (until == 0) return false;
  api::ApprovalPages::sendBlocked(ex, until - now,
                                  [this](const std::string& page, const std::string& json,
                                         const std::string&, const std::string& acceptLanguage) {
                                    return _s.templates.renderPage(page, json,
                                                                   languageFor("", acceptLanguage));
                                  });
  return true;
}

void Portal::linkFailed(const engine::AttemptKey* src) {
  if (_guard && src) _guard->linkFailed(*src, _guard->clock().nowMs());
}

void Portal::signinAsk(api::Exchange& ex) {
  engine::AttemptKey key;
  const engine::AttemptKey* src = attemptSource(ex, key);
  if (linkBlocked(ex, src)) return;
  Visit v = visit(ex);
  std::map<std::string, std::string> form;
  std::optional<engine::Error> unreadable;  // shown on the form, with what could be read
  if (!readForm(ex, v, {"email"}, form, &unreadable)) return;
  std::string email = Poco::trim(form["email"]), why;
  if (unreadable) {
    api::JsonWriter w;
    w.beginObject().field("email", email);
    w.field(unreadable->field == "email" ? "emailError" : "formError", say(v, *unreadable));
    return render(ex, v, "signin", tx(v)("title.signin"), w, 400);
  }
  int64_t retryMs = 0;
  // The throttle counts per client (ClientSource); clients a trusted proxy does not name share
  // the proxy's budget.
  engine::AttemptKey client;
  if (!clientOf(ex, client))
    api::IpAddress::of(ex.request().clientAddress().addr()).attemptKey(client);
  auto asked = _s.portal.requestSignin(email, std::string(client.view()), why, retryMs);
  api::JsonWriter w;
  w.beginObject();
  if (asked == PortalService::Ask::BadAddress) {
    w.field("email", email).field("emailError", tx(v)("error.email"));
    return render(ex, v, "signin", tx(v)("title.signin"), w, 400);
  }
  if (asked == PortalService::Ask::Throttled) {
    linkFailed(src);  // asking on past the throttle counts as a failed attempt
    ex.response().set("Retry-After", std::to_string((retryMs + 999) / 1000));
    w.field("email", email)
        .field("formError",
               tx(v)("error.throttled", {{"wait", tx(v).say(engine::Phrase::duration(
                                                      retryMs < 1000 ? 1000 : retryMs))}}));
    return render(ex, v, "signin", tx(v)("title.signin"), w, 429);
  }
  w.field("email", Poco::toLower(email))
      .field("validFor",
             tx(v).say(engine::Phrase::duration(_s.portal.settings().signinLifetimeMs)));
  render(ex, v, "signin-sent", tx(v)("title.signinSent"), w);
}

void Portal::signinLink(api::Exchange& ex) {
  engine::AttemptKey key;
  const engine::AttemptKey* src = attemptSource(ex, key);
  if (linkBlocked(ex, src)) return;
  Visit v = visit(ex);
  auto state = _s.portal.viewSignin(ex.param("token"));
  if (state == PortalService::LinkState::Unknown) linkFailed(src);
  api::JsonWriter w;
  w.beginObject();
  using LS = PortalService::LinkState;
  w.field("valid", state == LS::Valid)
      .field("used", state == LS::Used)
      .field("expired", state == LS::Expired)
      .field("unknown", state == LS::Unknown)
      .field("token", state == LS::Valid ? ex.param("token") : "");
  render(ex, v, "signin-link", tx(v)("title.signin"), w,
         state == LS::Valid     ? 200
         : state == LS::Unknown ? 404
                                : 410);
}

void Portal::signinComplete(api::Exchange& ex) {
  engine::AttemptKey key;
  const engine::AttemptKey* src = attemptSource(ex, key);
  if (linkBlocked(ex, src)) return;
  Visit v = visit(ex);
  std::map<std::string, std::string> form;
  if (!readForm(ex, v, {}, form)) return;
  PortalService::LinkState why;
  auto started = _s.portal.completeSignin(ex.param("token"), why);
  if (!started) {
    if (why == PortalService::LinkState::Unknown) linkFailed(src);
    api::JsonWriter w;
    w.beginObject();
    using LS = PortalService::LinkState;
    w.field("used", why == LS::Used)
        .field("expired", why == LS::Expired)
        .field("unknown", why == LS::Unknown);
    return render(ex, v, "signin-link", tx(v)("title.signin"), w, why == LS::Unknown ? 404 : 410);
  }
  if (v.session) _s.portal.signOut(*v.session);  // one person per browser
  setCookie(ex, "kw_session", started->cookie, _s.portal.settings().sessionMaxMs / 1000);
  redirect(ex, "/");
}

void Portal::signout(api::Exchange& ex) {
  Visit v = visit(ex);
  // A live session ends only with this browser's CSRF token (a cross-site POST must not end
  // it). With no live session there is nothing to protect: the ended cookie is forgotten and
  // the browser goes to the sign-in page, whatever the form says (its token, bound to the
  // session that ended, can no longer match).
  if (!v.session) {
    if (v.blockedMs > 0) return api::ApprovalPages::sendBlocked(ex, v.blockedMs);
    setCookie(ex, "kw_session", "", 0);
    return redirect(ex, "/signin");
  }
  std::map<std::string, std::string> form;
  if (!readForm(ex, v, {}, form)) return;
  _s.portal.signOut(*v.session);
  setCookie(ex, "kw_session", "", 0);
  redirect(ex, "/signin");
}

}  // namespace keywarden::web
