// Console: what every admin page shares — the guard, the frame, errors next to their fields.
#include "web/Console.h"

#include <algorithm>

#include "engine/base/Rfc3339.h"
#include "engine/text/Words.h"

namespace keywarden::web {

using engine::portal::PortalService;

void Console::install(api::Router& r) {
  auto page = [&](const std::string& pattern, std::function<void(Console&, api::Exchange&)> fn) {
    r.add("GET", pattern, [this, fn](api::Exchange& ex) { fn(*this, ex); });
    r.add("HEAD", pattern, [this, fn](api::Exchange& ex) { fn(*this, ex); });
  };
  auto post = [&](const std::string& pattern, std::function<void(Console&, api::Exchange&)> fn) {
    r.add("POST", pattern, [this, fn](api::Exchange& ex) { fn(*this, ex); });
  };
  page("/admin", [](Console& c, api::Exchange& ex) { c.overview(ex); });
  page("/admin/keys", [](Console& c, api::Exchange& ex) { c.keyList(ex); });
  page("/admin/keys/new", [](Console& c, api::Exchange& ex) { c.keyNewForm(ex); });
  post("/admin/keys", [](Console& c, api::Exchange& ex) { c.keyIssue(ex); });
  page("/admin/keys/{id}", [](Console& c, api::Exchange& ex) { c.keyPage(ex); });
  for (const char* action : {"disable", "enable", "revoke", "rotate"})
    post(std::string("/admin/keys/{id}/") + action,
         [action](Console& c, api::Exchange& ex) { c.keyAction(ex, action); });
  for (const char* kind : {"clients", "apis", "groups"}) {
    std::string k = kind;
    page("/admin/" + k, [k](Console& c, api::Exchange& ex) { c.catalogList(ex, k); });
    post("/admin/" + k, [k](Console& c, api::Exchange& ex) { c.catalogCreate(ex, k); });
    page("/admin/" + k + "/{id}", [k](Console& c, api::Exchange& ex) { c.catalogItem(ex, k); });
    post("/admin/" + k + "/{id}", [k](Console& c, api::Exchange& ex) { c.catalogUpdate(ex, k); });
    post("/admin/" + k + "/{id}/delete",
         [k](Console& c, api::Exchange& ex) { c.catalogDelete(ex, k); });
  }
  page("/admin/applications", [](Console& c, api::Exchange& ex) { c.applicationList(ex); });
  page("/admin/applications/{id}", [](Console& c, api::Exchange& ex) { c.applicationPage(ex); });
  post("/admin/applications/{id}/decide",
       [](Console& c, api::Exchange& ex) { c.applicationDecide(ex); });
  post("/admin/applications/{id}/remind",
       [](Console& c, api::Exchange& ex) { c.applicationRemind(ex); });
  page("/admin/flows", [](Console& c, api::Exchange& ex) { c.flows(ex); });
  page("/admin/mail", [](Console& c, api::Exchange& ex) { c.mailList(ex); });
  post("/admin/mail/{id}/resend", [](Console& c, api::Exchange& ex) { c.mailResend(ex); });
  page("/admin/tokens", [](Console& c, api::Exchange& ex) { c.tokenList(ex); });
  page("/admin/jobs", [](Console& c, api::Exchange& ex) { c.jobList(ex); });
  post("/admin/jobs/{id}/retry", [](Console& c, api::Exchange& ex) { c.jobRetry(ex); });
  page("/admin/audit", [](Console& c, api::Exchange& ex) { c.auditList(ex); });
  page("/admin/bad-attempts", [](Console& c, api::Exchange& ex) { c.badAttempts(ex); });
  post("/admin/tokens", [](Console& c, api::Exchange& ex) { c.tokenCreate(ex); });
  post("/admin/tokens/{id}/revoke", [](Console& c, api::Exchange& ex) { c.tokenRevoke(ex); });
}

bool Console::enter(api::Exchange& ex, Admin& a) {
  a.visit = _s.portal.visit(ex);
  if (!_s.portal.requireSession(ex, a.visit)) return false;
  if (!a.visit.roles.admin) {
    api::JsonWriter w;
    w.beginObject().field("notAdmin", true);
    w.field("csrf", a.visit.csrf);
    strings(w, a.visit.language);
    w.endObject();
    std::string body = _s.templates.renderPage("portal/admin/denied", w.str(), a.visit.language);
    _s.portal.renderBody(ex, a.visit, "Keywarden", body, 403);
    return false;
  }
  a.principal = PortalService::admin(*a.visit.session);
  a.tenant = a.visit.roles.adminTenant;
  a.principal.tenant = a.tenant;
  return true;
}

bool Console::enterForm(api::Exchange& ex, Admin& a, std::vector<std::string> fields,
                        std::map<std::string, std::string>& form,
                        std::optional<engine::Error>* unreadable) {
  if (!enter(ex, a)) return false;
  return _s.portal.readForm(ex, a.visit, std::move(fields), form, unreadable);
}

void Console::render(api::Exchange& ex, const Admin& a, const std::string& section,
                     const std::string& page, api::JsonWriter& w, int status) {
  const std::string& lang = a.visit.language;
  w.field("csrf", a.visit.csrf);
  w.field("adminTenant", a.tenant).field("tenantScoped", !a.tenant.empty());
  strings(w, lang);
  w.endObject();
  std::string body = _s.templates.renderPage("portal/admin/" + page, w.str(), lang);
  api::JsonWriter f;
  f.beginObject()
      .field("body", body)
      .field("tenant", a.tenant)
      .field("tenantScoped", !a.tenant.empty())
      .field("at_" + section, true);
  strings(f, lang, "nav");
  f.endObject();
  std::string framed = _s.templates.renderPage("portal/admin/frame", f.str(), lang);
  api::JsonWriter t;
  t.beginObject().field(page, true);
  strings(t, lang, "title");
  t.endObject();
  std::string title = _s.templates.renderPage("portal/admin/titles", t.str(), lang);
  _s.portal.renderBody(ex, a.visit, title, framed, status);
}

void Console::strings(api::JsonWriter& w, const std::string& language,
                      const std::string& only) const {
  // templates/strings.json's console.<group>.<name>, in `language` (English where it has no
  // such id), as t.<group>.<name>: the words of the console's pages live there.
  static const std::string kPrefix = "console.";
  auto sources = _s.templates.sources();
  const auto& english = sources->strings.at(mail::TemplateSet::kEnglish);
  std::string group;
  w.objectField("t");
  for (auto it = english.lower_bound(kPrefix); it != english.end(); ++it) {
    if (it->first.compare(0, kPrefix.size(), kPrefix) != 0) break;
    std::string rest = it->first.substr(kPrefix.size());
    size_t dot = rest.find('.');
    if (dot == std::string::npos || (!only.empty() && rest.compare(0, dot, only) != 0) ||
        (!only.empty() && dot != only.size()))
      continue;
    if (rest.compare(0, dot, group) != 0 || group.size() != dot) {
      if (!group.empty()) w.endObject();
      group = rest.substr(0, dot);
      w.objectField(group);
    }
    w.field(rest.substr(dot + 1), _s.templates.text(it->first, language));
  }
  if (!group.empty()) w.endObject();
  w.endObject();
}

void Console::problem(api::Exchange& ex, const Admin& a, int status, const std::string& situation,
                      const std::string& detail, const std::string& back) {
  api::JsonWriter w;
  w.beginObject().field(situation, true).field("detail", detail).field("back", back);
  w.field("status", static_cast<int64_t>(status));
  render(ex, a, "", "problem", w, status);
}

void Console::fail(api::Exchange& ex, const Admin& a, const engine::Error& e,
                   const std::string& back) {
  problem(ex, a, Portal::statusOf(e), "engine", e.message, back);
}

void Console::formError(api::JsonWriter& w, const engine::Error& e,
                        const std::vector<std::string>& fields) {
  std::string text = e.message;
  if (!text.empty() && text.back() != '.') text += ".";  // the API's message, as a sentence
  std::string field = e.field.substr(0, e.field.find('.'));
  if (std::find(fields.begin(), fields.end(), field) != fields.end())
    w.field(field + "Error", text);
  else
    w.field("formError", text);
  w.field("hasError", true);
}

void Console::when(api::JsonWriter& w, const std::string& name, int64_t ms, int64_t now) {
  if (ms <= 0) return;
  w.field(name, engine::Words::time(ms))
      .field(name + "Iso", engine::Rfc3339::format(ms))
      .field(name + "Ago", engine::Words::relative(ms, now));
}

}  // namespace keywarden::web
