#pragma once

#include <optional>
#include <string>

#include "api/ClientSource.h"
#include "api/JsonWriter.h"
#include "api/Router.h"
#include "engine/abuse/AbuseGuard.h"
#include "engine/applications/ApplicationService.h"
#include "engine/catalog/CatalogService.h"
#include "engine/flows/FlowCatalog.h"
#include "engine/keys/KeyService.h"
#include "engine/portal/PortalService.h"
#include "engine/text/Phrase.h"
#include "mail/TemplateSet.h"
#include "web/Texts.h"
#include "web/WebSettings.h"

namespace keywarden::web {

// The web face for requesters and approvers (contract §7): server-rendered HTML, no JavaScript.
// Pages call the same engine services as the JSON API, as the signed-in person (requester,
// approver or admin principal of their session). Every page sends a Content-Security-Policy
// without inline script or style and with frame-ancestors 'none'; every form carries a CSRF
// token checked on POST; a GET never changes anything. Built once at start-up; thread-safe.
// Pages are in the visitor's language: the one they saved (the picker on every page, POST
// /language), else the browser's Accept-Language (api/AcceptLanguage), else
// mail.defaultLanguage — each only when templates/ has it (English, or templates/lang/<tag>/).
// Templates and strings are read through their current snapshot, so a reload shows on the next
// page.
class Portal {
 public:
  struct Services {
    engine::portal::PortalService& portal;
    engine::ApplicationService& applications;
    engine::KeyService& keys;
    engine::CatalogService& catalog;
    const engine::FlowCatalog& flows;
    const mail::TemplateSet& templates;
  };
  Portal(Services s, WebSettings settings);
  void install(api::Router& router);
  // The language of a page for `email` (may be "") asking with `acceptLanguage`: the person's
  // saved language, else the header's choice (RFC 9110 §12.5.4), else mail.defaultLanguage —
  // each only when the templates have it.
  std::string languageFor(const std::string& email, const std::string& acceptLanguage) const;

  // The brute-force defence for the sign-in pages: unknown sign-in link tokens, refused
  // sign-in asks and session cookies no session ever had count per client address; past
  // abuse.linkFailures the address gets a 429 page until the block ends (a page that needs a
  // session, console included, answers it too). Set before install(); nullptr: off.
  void setAbuse(engine::AbuseGuard* guard, api::ClientSource source) {
    _guard = guard;
    _source = std::move(source);
  }

 private:
  friend class Console;  // the admin console (web/Console) shares sessions, CSRF and the layout
  // The caller's client address for the brute-force defence (null when unknown or off), in
  // `key`; and whether it is blocked (then the 429 page is sent).
  const engine::AttemptKey* attemptSource(api::Exchange& ex, engine::AttemptKey& key) const;
  bool linkBlocked(api::Exchange& ex, const engine::AttemptKey* src);
  void linkFailed(const engine::AttemptKey* src);
  // Who is asking: the session (if any) and what binds this browser's CSRF tokens.
  struct Visit {
    std::optional<engine::portal::Session> session;
    engine::portal::Roles roles;
    std::string binding;  // the session's digest, or the pre-session cookie's value
    std::string csrf;
    std::string language;   // the language the page is written in (a tag the templates have)
    int64_t blockedMs = 0;  // > 0: the client address is blocked (bad session cookies) this long
  };
  Texts tx(const Visit& v) const { return Texts(_s.templates, v.language); }
  // An engine error as words in the visit's language (what a form says by a field).
  std::string say(const Visit& v, const engine::Error& e) const {
    return tx(v).say(engine::Phrase::error(e.code, e.field, e.message));
  }
  // An engine error as a page: `titleId`'s title, the error's message.
  void failed(api::Exchange& ex, const Visit& v, const std::string& titleId,
              const engine::Error& e);
  Visit visit(api::Exchange& ex);
  // Signed in, else a redirect to the sign-in page (returns false: answered).
  bool requireSession(api::Exchange& ex, const Visit& v);
  // Reads a POSTed form; checks its CSRF token. false: answered (400/403/413/415). With
  // `unreadable`, a form refused as a whole or in one field (400: a field twice, a field the
  // page does not send, a broken escape) is not answered: the refusal goes into `unreadable`,
  // `out` holds what could be read, and the caller shows its form again with it.
  bool readForm(api::Exchange& ex, const Visit& v, std::vector<std::string> fields,
                std::map<std::string, std::string>& out,
                std::optional<engine::Error>* unreadable = nullptr);
  // Renders `page` with the JSON object `w` (begun by the caller, not ended) inside the layout.
  void render(api::Exchange& ex, const Visit& v, const std::string& page, const std::string& title,
              api::JsonWriter& w, int status = 200);
  // Sends `body` (already rendered HTML) inside the layout.
  void renderBody(api::Exchange& ex, const Visit& v, const std::string& title,
                  const std::string& body, int status = 200);
  void message(api::Exchange& ex, const Visit& v, int status, const std::string& title,
               const std::string& text);
  void redirect(api::Exchange& ex, const std::string& to);
  void headers(api::Exchange& ex);
  void setCookie(api::Exchange& ex, const std::string& name, const std::string& value,
                 int64_t maxAgeSeconds);
  bool secure(api::Exchange& ex) const;
  // Who the browser is, for the brute-force defence and the sign-in throttle: the one rule of
  // api/ClientSource (abuse.trustedProxies, abuse.clientAddressHeader). False: unknown (a trusted
  // proxy forwarded no usable address).
  bool clientOf(api::Exchange& ex, engine::AttemptKey& key) const;
  static int statusOf(const engine::Error& e);

  // SigninPages.cpp
  void home(api::Exchange& ex);
  void signinForm(api::Exchange& ex);
  // The sign-in page for visit `v` (no session).
  void signinPage(api::Exchange& ex, const Visit& v);
  void signinAsk(api::Exchange& ex);
  void signinLink(api::Exchange& ex);
  void signinComplete(api::Exchange& ex);
  void signout(api::Exchange& ex);
  void stylesheet(api::Exchange& ex);
  // POST /language: saves the signed-in person's language (LanguagePage.cpp).
  void chooseLanguage(api::Exchange& ex);
  // ApproverPages.cpp
  void inbox(api::Exchange& ex);
  void decide(api::Exchange& ex);
  // RequesterPages.cpp
  void applyForm(api::Exchange& ex);
  void applySubmit(api::Exchange& ex);
  void applications(api::Exchange& ex);
  void application(api::Exchange& ex);
  void withdraw(api::Exchange& ex);
  // KeyPages.cpp
  void keyList(api::Exchange& ex);
  void keyPage(api::Exchange& ex);
  void keyRevoke(api::Exchange& ex);
  // The key page for `k`; the revoke form holds `reasonDraft` and says `reasonError` by it.
  void keyView(api::Exchange& ex, const Visit& v, const engine::Key& k, bool holder,
               const std::string& reasonDraft, const std::string& reasonError, int status);

  // The application as the viewer may see it: through the role that lets them (requester for
  // their own, approver for one in their flows, admin), or nullopt (404).
  std::optional<engine::Application> viewable(const Visit& v, const std::string& id);
  // The apply form's choices (clients, APIs grouped, groups, flows) and `values` as typed.
  void applyContext(api::JsonWriter& w, const std::map<std::string, std::string>& values,
                    const engine::Error* error, const Texts& t);

  Services _s;
  const WebSettings _settings;
  engine::AbuseGuard* _guard = nullptr;
  api::ClientSource _source;
  static constexpr size_t kMaxFormBytes = 65536;
};

}  // namespace keywarden::web
