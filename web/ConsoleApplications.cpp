// Console: applications (issue 15) — every application with filters, one application's
// timeline, a decision on behalf of an approver (recorded as such, as POST
// /v1/applications/{id}/decisions with an admin token), and a reminder to the current level.
#include <Poco/String.h>

#include <algorithm>

#include "web/Console.h"
#include "web/FormJson.h"
#include "web/Views.h"

namespace keywarden::web {

void Console::applicationList(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  int64_t now = Views::now();
  std::string state = ex.query("state"), client = Poco::trim(ex.query("client")),
              requester = Poco::trim(ex.query("requester")),
              approver = Poco::trim(ex.query("approver"));
  engine::AppFilter f;
  f.tenant = a.tenant;
  f.clientId = client;
  f.requester = Poco::toLower(requester);
  api::JsonWriter w;
  w.beginObject().field("client", client).field("requester", requester).field("approver", approver);
  w.beginArray("states");
  for (const char* s : {"SUBMITTED", "IN_REVIEW", "APPROVED", "ISSUED", "REJECTED", "RETURNED",
                        "WITHDRAWN", "TIMED_OUT"})
    w.beginObject().field("name", s).field("selected", state == s).endObject();
  w.endArray();
  std::optional<engine::Error> error;
  if (!state.empty()) {
    f.state = engine::parseAppState(state);
    if (!f.state) error = engine::Error::badInput("state", "unknown state '" + state + "'");
  }
  std::vector<engine::Application> rows;
  if (!error) {
    auto r = _s.applications.list(a.principal, f, Poco::toLower(approver));
    if (r)
      rows = r.value();
    else
      error = r.error();
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& x, const auto& y) { return x.updatedAt > y.updatedAt; });
  w.beginArray("applications");
  for (size_t i = 0; i < rows.size() && i < kMaxRows; ++i)
    Views::row(w, rows[i], now, Texts(_s.templates, "en"));
  w.endArray().field("none", rows.empty()).field("found", static_cast<int64_t>(rows.size()));
  if (error) formError(w, *error, {"state", "approver", "requester", "client"});
  render(ex, a, "applications", "applications", w, error ? Portal::statusOf(*error) : 200);
}

void Console::applicationView(api::Exchange& ex, const Admin& a, const engine::Application& app,
                              const std::map<std::string, std::string>& values,
                              const engine::Error* error, int status) {
  auto value = [&](const std::string& k) {
    auto it = values.find(k);
    return it == values.end() ? std::string() : it->second;
  };
  api::JsonWriter w;
  w.beginObject();
  Views::application(w, app, _s.catalog, Views::now(), Texts(_s.templates, "en"));
  std::string done = ex.request().getMethod() == "GET" ? ex.query("done") : "";
  w.field("done", done).field("done_" + done, true);
  auto waiting = engine::ApplicationService::waitingApprovers(app);
  w.beginArray("waitingApprovers");
  for (const auto& e : waiting)
    w.beginObject().field("email", e).field("selected", e == value("approver")).endObject();
  w.endArray();
  w.field("mayDecide", app.state == engine::AppState::InReview && !waiting.empty());
  w.field("comment", value("comment"));
  for (const char* d : {"approve", "reject", "return"})
    w.field(std::string("chose_") + d, value("decision") == d);
  if (error) formError(w, *error, {"approver", "decision", "comment", "confirm"});
  render(ex, a, "applications", "application", w, status);
}

void Console::applicationPage(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  auto app = _s.applications.get(a.principal, ex.param("id"));
  if (!app) return problem(ex, a, 404, "notFound", "application", "/admin/applications");
  applicationView(ex, a, app.value(), {}, nullptr, 200);
}

void Console::applicationDecide(api::Exchange& ex) {
  Admin a;
  std::map<std::string, std::string> form;
  std::optional<engine::Error> unreadable;  // shown on the form, with what could be read
  if (!enterForm(ex, a, {"approver", "decision", "comment", "confirm"}, form, &unreadable)) return;
  const std::string& id = ex.param("id");
  auto app = _s.applications.get(a.principal, id);
  if (!app) return problem(ex, a, 404, "notFound", "application", "/admin/applications");
  form["comment"] = FormJson::text(form["comment"]);
  engine::DecisionInput d;
  d.approver = Poco::trim(form["approver"]);
  d.comment = form["comment"];
  std::optional<engine::Error> error = unreadable;
  const std::string& decision = form["decision"];
  if (decision == "approve")
    d.event = engine::AppEvent::Approve;
  else if (decision == "reject")
    d.event = engine::AppEvent::Reject;
  else if (decision == "return")
    d.event = engine::AppEvent::Return;
  else if (!error)
    error = engine::Error::badInput("decision", "decision must be approve, reject or return");
  if (!error) error = engine::ApplicationService::checkComment(d.comment);
  // As on the approvers' pages: a rejection or a return tells the requester why.
  if (!error && d.event != engine::AppEvent::Approve && Poco::trim(d.comment).empty())
    error = engine::Error::badInput("comment", "a rejection or a return needs a comment");
  if (!error && form["confirm"] != "yes")
    error = engine::Error::badInput("confirm", "tick the box to confirm the decision");
  if (!error) {
    auto r = _s.applications.decide(a.principal, id, d);
    if (r) return _s.portal.redirect(ex, "/admin/applications/" + id + "?done=decided");
    error = r.error();
  }
  applicationView(ex, a, app.value(), form, &*error, Portal::statusOf(*error));
}

void Console::applicationRemind(api::Exchange& ex) {
  Admin a;
  std::map<std::string, std::string> form;
  if (!enterForm(ex, a, {}, form)) return;
  const std::string& id = ex.param("id");
  auto app = _s.applications.get(a.principal, id);
  if (!app) return problem(ex, a, 404, "notFound", "application", "/admin/applications");
  auto r = _s.applications.remind(a.principal, id);
  if (!r) return applicationView(ex, a, app.value(), {}, &r.error(), Portal::statusOf(r.error()));
  _s.portal.redirect(ex, "/admin/applications/" + id + "?done=reminded");
}

}  // namespace keywarden::web
