// Portal: what every page shares — who is asking, CSRF, headers, cookies, the layout.
#include "web/Portal.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/String.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "api/ApprovalPages.h"
#include "api/FormBody.h"
#include "api/PageSecurity.h"
#include "engine/crypto/Crypto.h"
#include "engine/text/Phrase.h"

namespace keywarden::web {

namespace {
const char* kSessionCookie = "kw_session";
const char* kPreCookie = "kw_pre";  // binds the sign-in forms' CSRF token before a session

std::string cookie(Poco::Net::HTTPServerRequest& req, const std::string& name) {
  if (!req.has("Cookie")) return "";
  Poco::Net::NameValueCollection cookies;
  req.getCookies(cookies);
  return cookies.get(name, "");
}
}  // namespace

Portal::Portal(Services s, WebSettings settings) : _s(s), _settings(std::move(settings)) {}

void Portal::install(api::Router& r) {
  auto page = [&](const std::string& pattern, void (Portal::*fn)(api::Exchange&)) {
    r.add("GET", pattern, [this, fn](api::Exchange& ex) { (this->*fn)(ex); });
    r.add("HEAD", pattern, [this, fn](api::Exchange& ex) { (this->*fn)(ex); });
  };
  auto post = [&](const std::string& pattern, void (Portal::*fn)(api::Exchange&)) {
    r.add("POST", pattern, [this, fn](api::Exchange& ex) { (this->*fn)(ex); });
  };
  page("/", &Portal::home);
  page("/static/keywarden.css", &Portal::stylesheet);
  page("/signin", &Portal::signinForm);
  post("/signin", &Portal::signinAsk);
  page("/signin/{token}", &Portal::signinLink);
  post("/signin/{token}", &Portal::signinComplete);
  post("/signout", &Portal::signout);
  post("/language", &Portal::chooseLanguage);
  page("/inbox", &Portal::inbox);
  page("/apply", &Portal::applyForm);
  post("/apply", &Portal::applySubmit);
  page("/applications", &Portal::applications);
  page("/applications/{id}", &Portal::application);
  post("/applications/{id}/decide", &Portal::decide);
  post("/applications/{id}/withdraw", &Portal::withdraw);
  page("/keys", &Portal::keyList);
  page("/keys/{id}", &Portal::keyPage);
  post("/keys/{id}/revoke", &Portal::keyRevoke);
}

bool Portal::secure(api::Exchange& ex) const {
  return ex.request().secure() || _settings.publicBaseUrl.rfind("https://", 0) == 0;
}

void Portal::setCookie(api::Exchange& ex, const std::string& name, const std::string& value,
                       int64_t maxAgeSeconds) {
  // HttpOnly, SameSite=Lax, Path=/; Secure over https (contract §7). Max-Age 0 deletes.
  std::string c = name + "=" + value + "; Path=/; HttpOnly; SameSite=Lax";
  if (maxAgeSeconds >= 0) c += "; Max-Age=" + std::to_string(maxAgeSeconds);
  if (secure(ex)) c += "; Secure";
  // One Set-Cookie per cookie in an answer: a later call for the same name replaces the earlier
  // (a page that forgets an ended session and then starts a new one says only the new one).
  auto& res = ex.response();
  std::vector<std::string> kept;
  for (auto it = res.find("Set-Cookie");
       it != res.end() && Poco::icompare(it->first, "Set-Cookie") == 0; ++it)
    if (it->second.compare(0, name.size() + 1, name + "=") != 0) kept.push_back(it->second);
  res.erase("Set-Cookie");
  for (const auto& k : kept) res.add("Set-Cookie", k);
  res.add("Set-Cookie", c);
}

Portal::Visit Portal::visit(api::Exchange& ex) {
  Visit v;
  auto& req = ex.request();
  std::string value = cookie(req, kSessionCookie);
  if (!value.empty()) {
    // A session cookie no session ever had is a guess: it counts against the client address
    // like a forged link (abuse.linkFailures); while the address is blocked, no cookie from it
    // is looked at and requireSession() answers the blocked page (429, Retry-After).
    engine::AttemptKey key;
    const engine::AttemptKey* src = attemptSource(ex, key);
    int64_t now = _guard ? _guard->clock().nowMs() : 0;
    int64_t until = src ? _guard->linkBlocked(*src, now) : 0;
    if (until != 0) {
      v.blockedMs = until - now;
    } else {
      bool unknown = false;
      v.session = _s.portal.resume(value, &unknown);
      if (unknown) linkFailed(src);
    }
  }
  // Behind an SSO proxy: its header names the person, believed only from its own addresses.
  if (!_settings.trustedHeader.empty() && req.has(_settings.trustedHeader)) {
    std::string peer = req.clientAddress().host().toString();
    const auto& proxies = _settings.trustedProxies;
    if (std::find(proxies.begin(), proxies.end(), peer) != proxies.end()) {
      std::string email = Poco::toLower(Poco::trim(req.get(_settings.trustedHeader)));
      if (!v.session || v.session->email != email) {
        v.session.reset();
        if (auto started = _s.portal.signinByHeader(email)) {
          setCookie(ex, kSessionCookie, started->cookie, _s.portal.settings().sessionMaxMs / 1000);
          v.session = started->session;
        }
      }
    }
  }
  if (v.session) {
    v.roles = _s.portal.rolesOf(v.session->email);
    v.binding = v.session->digestHex;
  } else {
    if (!value.empty() && v.blockedMs == 0)
      setCookie(ex, kSessionCookie, "", 0);  // ended: forget it
    v.binding = cookie(req, kPreCookie);
    bool wellFormed =
        v.binding.size() == 43 && std::all_of(v.binding.begin(), v.binding.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c));
        });
    if (!wellFormed) {
      v.binding = engine::Crypto::randomBase62(43);
      setCookie(ex, kPreCookie, v.binding, -1);
    }
  }
  v.csrf = _s.portal.csrfToken(v.binding);
  v.language = languageFor(v.session ? v.session->email : "", req.get("Accept-Language", ""));
  return v;
}

bool Portal::requireSession(api::Exchange& ex, const Visit& v) {
  if (v.session) return true;
  if (v.blockedMs > 0) {
    api::ApprovalPages::sendBlocked(ex, v.blockedMs);
    return false;
  }
  redirect(ex, "/signin");
  return false;
}

bool Portal::readForm(api::Exchange& ex, const Visit& v, std::vector<std::string> fields,
                      std::map<std::string, std::string>& out,
                      std::optional<engine::Error>* unreadable) {
  fields.push_back("csrf");
  if (auto problem = api::FormBody::read(ex.request(), kMaxFormBytes, fields, out)) {
    if (unreadable && problem->status == 400) {
      *unreadable = engine::Error::badInput(problem->field, problem->message);
    } else {
      if (problem->status == 413) ex.response().setKeepAlive(false);
      message(ex, v, problem->status, tx(v)("message.formUnreadable"), problem->message);
      return false;
    }
  }
  if (!_s.portal.csrfValid(v.binding, out["csrf"])) {
    message(ex, v, 403, tx(v)("message.formExpired"), tx(v)("message.formExpiredText"));
    return false;
  }
  return true;
}

void Portal::headers(api::Exchange& ex) {
  api::PageSecurity::set(ex.response());
}

void Portal::render(api::Exchange& ex, const Visit& v, const std::string& page,
                    const std::string& title, api::JsonWriter& w, int status) {
  w.field("csrf", v.csrf);
  w.endObject();
  renderBody(ex, v, title, _s.templates.renderPage("portal/" + page, w.str(), v.language), status);
}

void Portal::renderBody(api::Exchange& ex, const Visit& v, const std::string& title,
                        const std::string& body, int status) {
  api::JsonWriter l;
  l.beginObject().field("title", title).field("body", body).field("csrf", v.csrf);
  l.field("lang", v.language);
  l.beginArray("languages");  // the picker: every language the templates have
  for (const auto& tag : _s.templates.languages())
    l.beginObject()
        .field("tag", tag)
        .field("name", _s.templates.text("language.name", tag))
        .field("selected", tag == v.language)
        .endObject();
  l.endArray();
  l.field("signedIn", v.session.has_value());
  if (v.session) {
    l.field("email", v.session->email)
        .field("isRequester", v.roles.requester)
        .field("isApprover", v.roles.approver)
        .field("isAdmin", v.roles.admin);
  }
  l.endObject();
  headers(ex);
  ex.sendText(status, "text/html; charset=utf-8",
              _s.templates.renderPage("portal/layout", l.str(), v.language));
}

void Portal::message(api::Exchange& ex, const Visit& v, int status, const std::string& title,
                     const std::string& text) {
  api::JsonWriter w;
  w.beginObject().field("heading", title).field("text", text);
  render(ex, v, "message", title, w, status);
}

void Portal::redirect(api::Exchange& ex, const std::string& to) {
  headers(ex);
  ex.response().set("Location", to);
  ex.sendText(303, "text/plain; charset=utf-8", "See " + to + "\n");
}

void Portal::stylesheet(api::Exchange& ex) {
  ex.response().set("Cache-Control", "public, max-age=3600");
  ex.response().set("X-Content-Type-Options", "nosniff");
  ex.sendText(200, "text/css; charset=utf-8", _s.templates.asset("pages/portal/keywarden.css"));
}

void Portal::failed(api::Exchange& ex, const Visit& v, const std::string& titleId,
                    const engine::Error& e) {
  message(ex, v, statusOf(e), tx(v)(titleId),
          tx(v)("message.engineError", {{"message", say(v, e)}}));
}

int Portal::statusOf(const engine::Error& e) {
  switch (e.kind) {
    case engine::ErrorKind::BadInput:
      return 400;
    case engine::ErrorKind::Forbidden:
      return 403;
    case engine::ErrorKind::NotFound:
      return 404;
    case engine::ErrorKind::Conflict:
      return 409;
    case engine::ErrorKind::Unprocessable:
      return 422;
    default:
      return 500;
  }
}

}  // namespace keywarden::web
