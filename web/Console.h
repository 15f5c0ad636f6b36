#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/JsonWriter.h"
#include "api/Router.h"
#include "engine/abuse/AbuseGuard.h"
#include "engine/access/TokenService.h"
#include "engine/applications/ApplicationService.h"
#include "engine/audit/AuditReader.h"
#include "engine/catalog/CatalogService.h"
#include "engine/flows/FlowCatalog.h"
#include "engine/jobs/JobLog.h"
#include "engine/keys/KeyService.h"
#include "engine/notices/MailLog.h"
#include "engine/usage/UsageHistory.h"
#include "mail/TemplateSet.h"
#include "web/Portal.h"

namespace keywarden::web {

// The admin console (contract §7 `GET /admin…`; issue 15): server-rendered pages over the same
// engine services as the JSON API, so validation, errors and audit rows are the API's own.
// - Who: a signed-in person whose address is in portal.admins. Anyone else signed in gets a 403
//   page; a visitor without a session is sent to /signin. An entry `address:tenant` makes a
//   tenant admin: the console acts as an admin principal scoped to that tenant, so every list,
//   page and change is limited to it exactly as for a tenant-scoped admin token.
// - Sessions, CSRF tokens, headers (CSP without script) and the layout are the portal's.
//   Every POST checks the CSRF token; a GET never changes anything; changes to keys and tokens
//   are confirmed on a second page (or by a confirm checkbox on the form).
// - Every word the pages show lives in templates/pages/portal/admin/*.mustache; this code hands
//   them facts (ids, codes, numbers, times), so a language can be added with templates alone.
//   Engine error messages are shown as the JSON API gives them, next to the field they name.
// Built once at start-up; thread-safe (no state of its own).
class Console {
 public:
  struct Services {
    Portal& portal;
    engine::KeyService& keys;
    engine::CatalogService& catalog;
    engine::ApplicationService& applications;
    engine::MailLog& mail;
    engine::JobLog& jobs;
    engine::TokenService& tokens;
    engine::UsageHistory& usage;
    engine::AuditReader& audit;
    const engine::FlowCatalog& flows;
    const mail::TemplateSet& templates;
    const engine::AbuseGuard* abuse = nullptr;  // the brute-force defence; nullptr: off
  };
  explicit Console(Services s) : _s(s) {}
  void install(api::Router& router);

 private:
  // The admin asking: their visit (session, CSRF) and the principal the console acts as.
  struct Admin {
    Portal::Visit visit;
    engine::Principal principal;
    std::string tenant;  // "" for an admin of every tenant
  };
  // Signed in as an admin, else answered (redirect to /signin, or the 403 page): false.
  bool enter(api::Exchange& ex, Admin& a);
  // enter() and a POSTed form with a valid CSRF token.
  // With `unreadable`, a form the server cannot read as sent (a field twice, a field the page
  // does not send, a broken escape) is not answered: the refusal goes there, `form` holds what
  // could be read, and the caller shows its form again with it (Portal::readForm).
  bool enterForm(api::Exchange& ex, Admin& a, std::vector<std::string> fields,
                 std::map<std::string, std::string>& form,
                 std::optional<engine::Error>* unreadable = nullptr);
  // Renders templates/pages/portal/admin/<page>.mustache with `w` (begun, not ended) inside the
  // console's frame (its navigation, `section` marked current) and the portal's layout.
  void render(api::Exchange& ex, const Admin& a, const std::string& section,
              const std::string& page, api::JsonWriter& w, int status = 200);
  // t.<group>.<name>: every console.<group>.<name> string of templates/strings.json in
  // `language` (the console's words; a language folder's strings.json translates them); only
  // the group `only` when it is given.
  void strings(api::JsonWriter& w, const std::string& language, const std::string& only = "") const;
  // The page `problem` with the engine's error (or a named situation) and a way back.
  void problem(api::Exchange& ex, const Admin& a, int status, const std::string& situation,
               const std::string& detail, const std::string& back);
  void fail(api::Exchange& ex, const Admin& a, const engine::Error& e, const std::string& back);
  // Writes `error` for a form: "<field>Error" when the field is one of `fields`, else
  // "formError"; plus "hasError".
  static void formError(api::JsonWriter& w, const engine::Error& e,
                        const std::vector<std::string>& fields);
  // Times as pages show them ("2026-12-01 14:30 UTC") and as machine-readable RFC 3339.
  static void when(api::JsonWriter& w, const std::string& name, int64_t ms, int64_t now);

  // ConsoleOverview.cpp
  void overview(api::Exchange& ex);
  // The overview's sections: applications waiting by level (longest-waiting first), the mail
  // queue, failing jobs, keys expiring in the next 7 days (soonest first).
  void overviewWaiting(api::JsonWriter& w, const Admin& a, int64_t now);
  void overviewMail(api::JsonWriter& w, const Admin& a, int64_t now);
  void overviewJobs(api::JsonWriter& w, const Admin& a, int64_t now);
  void overviewExpiring(api::JsonWriter& w, const Admin& a, int64_t now);
  // ConsoleAbuse.cpp: what the brute-force defence counts and blocks on this instance
  // (engine/abuse/BadAttempts, as GET /v1/bad-attempts), for admins of every tenant.
  void badAttempts(api::Exchange& ex);
  // "outcomes": the checks of the last 24 hours, per hour, summed over the clients the admin
  // sees (engine::UsageHistory), as a chart and a table.
  void outcomes(api::JsonWriter& w, const Admin& a);
  // A usage series as chart bars: accepted (VALID) and refused (every other code) per bucket,
  // labelled with the bucket's UTC time; `codes` gets the total per outcome code.
  static void writeSeries(api::JsonWriter& w, const std::string& name,
                          const engine::UsageSeries& s);
  // ConsoleKeys.cpp
  void keyList(api::Exchange& ex);
  void keyNewForm(api::Exchange& ex);
  void keyIssue(api::Exchange& ex);
  void keyPage(api::Exchange& ex);
  void keyAction(api::Exchange& ex, const std::string& action);
  // What keyPage shows of `key`: its facts, and the actions its state allows (one list, one
  // form each, built by one template loop).
  static void keyFacts(api::JsonWriter& w, const engine::Key& key, int64_t now);
  static void keyActions(api::JsonWriter& w, engine::KeyState state, const engine::Key& key);
  // The key's confirmation page (first answer of keyAction, or a field to fix).
  void keyConfirm(api::Exchange& ex, const Admin& a, const std::string& action,
                  const engine::Key& key, std::map<std::string, std::string>& form, int64_t at,
                  const std::optional<engine::Error>& error);
  // "usage": the key's checks over time as a chart and a table; `span` is 1h (per minute),
  // 24h (per hour, the default) or 30d (per day).
  void keyUsage(api::JsonWriter& w, const Admin& a, const engine::Key& k, const std::string& span);
  void keyFormContext(api::JsonWriter& w, const Admin& a,
                      const std::map<std::string, std::string>& values);
  // ConsoleCatalog.cpp
  void catalogList(api::Exchange& ex, const std::string& kind);
  void catalogCreate(api::Exchange& ex, const std::string& kind);
  void catalogItem(api::Exchange& ex, const std::string& kind);
  void catalogUpdate(api::Exchange& ex, const std::string& kind);
  void catalogDelete(api::Exchange& ex, const std::string& kind);
  void catalogPage(api::Exchange& ex, const Admin& a, const std::string& kind,
                   const std::string& id, const std::map<std::string, std::string>& values,
                   const engine::Error* error, int status);
  void apiChoices(api::JsonWriter& w, const Admin& a, const std::vector<std::string>& checked);
  void catalogListPage(api::Exchange& ex, const Admin& a, const std::string& kind,
                       const std::map<std::string, std::string>& values, const engine::Error* error,
                       int status);
  // ConsoleMail.cpp: the mail log and access tokens
  void mailList(api::Exchange& ex);
  // A resend form's address as typed, for the row of mail `id`.
  struct MailDraft {
    std::string id, to;
  };
  // The mail log (the query's filters); with `error`, the row of `draft.id` shows its resend
  // form again with `draft.to` and the error by it.
  void mailListPage(api::Exchange& ex, const Admin& a, const MailDraft& draft,
                    const engine::Error* error, int httpStatus);
  void mailResend(api::Exchange& ex);
  void tokenList(api::Exchange& ex);
  void tokenCreate(api::Exchange& ex);
  void tokenRevoke(api::Exchange& ex);
  void tokenListPage(api::Exchange& ex, const Admin& a,
                     const std::map<std::string, std::string>& values, const engine::Error* error,
                     int status);

  // ConsoleFlows.cpp
  void flows(api::Exchange& ex);
  // "flows": every flow as its levels, for the diagrams; `routed` (may be null) is marked chosen.
  void flowDiagrams(api::JsonWriter& w, const engine::Flow* routed);
  // ConsoleApplications.cpp
  void applicationList(api::Exchange& ex);
  void applicationPage(api::Exchange& ex);
  void applicationDecide(api::Exchange& ex);
  void applicationRemind(api::Exchange& ex);
  void applicationView(api::Exchange& ex, const Admin& a, const engine::Application& app,
                       const std::map<std::string, std::string>& values, const engine::Error* error,
                       int status);

  // ConsoleJobs.cpp: scheduled jobs, a FAILED one retried after a confirmation.
  void jobList(api::Exchange& ex);
  void jobRetry(api::Exchange& ex);
  static void jobFilters(api::JsonWriter& w, const std::string& state, const std::string& kind);
  // ConsoleAudit.cpp: the audit trail filtered by key, application, actor and time, newest
  // first, a page at a time; and a key's own rows on its page.
  void auditList(api::Exchange& ex);
  // Reads the filters of /admin/audit into `q`; false (and `error` set) for one that is bad.
  static bool auditQuery(api::Exchange& ex, engine::AuditQuery& q,
                         std::optional<engine::Error>& error);
  // "table": `rows` as the audit-rows template's table (one table for the trail and a key's
  // history), "none" when there are none.
  void auditTable(api::JsonWriter& w, const Admin& a, const std::vector<engine::AuditRecord>& rows,
                  const std::string& tableId);
  void keyHistory(api::JsonWriter& w, const Admin& a, const engine::Key& k);

  Services _s;
  static constexpr size_t kMaxRows = 500;
};

}  // namespace keywarden::web
