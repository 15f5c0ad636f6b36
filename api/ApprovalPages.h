#pragma once

#include <functional>
#include <string>

#include "api/ClientSource.h"
#include "api/Router.h"
#include "engine/abuse/AbuseGuard.h"
#include "engine/applications/ApplicationService.h"

namespace keywarden::api {

// The pages behind approver links: GET/HEAD /approvals/{token} shows the application and a form
// (never decides: mail scanners fetch links); POST /approvals/{token} with a human-submitted form
// (decision, comment) decides. No JavaScript; nothing auto-submits. A form that is not right
// (FormBody, ApplicationService::checkComment) shows the form again, with what to fix next to
// the field, and records nothing: the link still works.
class ApprovalPages {
 public:
  // Draws page `page` (templates/pages/<page>.mustache) from a JSON object of values; throws
  // when it cannot. app wires it to mail::TemplateSet::renderPage (api does not include mail).
  // `approver` (the link's, "" for a forged link) and `acceptLanguage` (the request's
  // Accept-Language) choose the page's language: the approver's saved one, else the browser's,
  // else mail.defaultLanguage (the portal's rule, web::Portal::languageFor).
  using RenderPage =
      std::function<std::string(const std::string& page, const std::string& contextJson,
                                const std::string& approver, const std::string& acceptLanguage)>;

  ApprovalPages(engine::ApplicationService& apps, RenderPage render)
      : _apps(apps), _render(std::move(render)) {}
  void install(Router& router);
  // Forged links are counted per client address; past abuse.linkFailures the address gets a
  // 429 page with Retry-After, from memory, until the block ends. Set before install().
  void setAbuse(engine::AbuseGuard* guard, ClientSource source) {
    _guard = guard;
    _source = std::move(source);
  }
  // The 429 page of a blocked client address (also the web portal's link pages), drawn by
  // `render` (page "blocked", in the browser's language); a short English page without one.
  static void sendBlocked(Exchange& ex, int64_t retryAfterMs, const RenderPage& render = {});

 private:
  // The caller's attempt key; false when unknown (or no guard).
  bool source(Exchange& ex, engine::AttemptKey& out) const;
  // True when the caller is blocked: the 429 page is sent.
  bool blocked(Exchange& ex, const engine::AttemptKey* src);
  void countForged(const engine::AttemptKey* src, const engine::LinkOutcome& o);

  void show(Exchange& ex);
  void decide(Exchange& ex);
  // `status` 0: the outcome's own; `draft`: the comment as typed, shown again on an Invalid form.
  void page(Exchange& ex, const engine::LinkOutcome& outcome, const std::string& token,
            int status = 0, const std::string& draft = "");

  // The form holds a decision and a comment of at most 2000 characters (≤ 8000 bytes of UTF-8,
  // ≤ 24000 percent-encoded): 64 KB is room enough and bounds what is read.
  static constexpr size_t kMaxFormBytes = 65536;

  engine::ApplicationService& _apps;
  const RenderPage _render;
  engine::AbuseGuard* _guard = nullptr;
  ClientSource _source;
};

}  // namespace keywarden::api
