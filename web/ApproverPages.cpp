// Portal: the approver's inbox and decisions (contract §7 /inbox; issue 13 "Approver").
#include <algorithm>

#include "engine/portal/Review.h"
#include "engine/text/DisplayText.h"
#include "web/Portal.h"
#include "web/Views.h"

namespace keywarden::web {

using engine::portal::PortalService;

void Portal::inbox(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  if (!v.roles.approver)
    return message(ex, v, 403, "No inbox",
                   "You are not an approver in any approval flow, so nothing waits for you here.");
  const auto& s = *v.session;
  int64_t now = Views::now();
  api::JsonWriter w;
  w.beginObject();
  auto waiting = _s.applications.list(PortalService::approver(s), {}, s.email);
  w.beginArray("waiting");
  if (waiting)
    for (const auto& a : waiting.value()) Views::row(w, a, now);
  w.endArray();
  w.field("waitingCount", waiting ? static_cast<int64_t>(waiting.value().size()) : 0);
  w.beginArray("decided");
  int64_t decided = 0;
  for (const auto& id : _s.portal.decidedBy(s.email, 50)) {
    auto a = _s.applications.get(PortalService::approver(s), id);
    if (!a) continue;
    std::string mine;
    for (const auto& d : a.value().history)
      if (d.approver == s.email &&
          (d.event == "approve" || d.event == "reject" || d.event == "return"))
        mine = engine::DisplayText::decision(d.event);
    w.beginObject()
        .field("id", a.value().id)
        .field("number", a.value().number)
        .field("keyName", a.value().keyName)
        .field("requester", a.value().requesterEmail)
        .field("mine", mine)
        .field("stateText", Views::stateText(a.value().state))
        .endObject();
    ++decided;
  }
  w.endArray();
  w.field("decidedCount", decided);
  render(ex, v, "inbox", "Inbox — Keywarden", w);
}

void Portal::decide(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  std::map<std::string, std::string> form;
  if (!readForm(ex, v, {"decision", "comment", "confirm"}, form)) return;
  const auto& s = *v.session;
  const std::string& id = ex.param("id");
  auto a = _s.applications.get(PortalService::approver(s), id);
  if (!v.roles.approver || !a)
    return message(ex, v, 404, "Not found", "There is no such application waiting for you.");
  std::string decision = form["decision"];
  std::string comment;
  for (char c : form["comment"])
    if (c != '\r') comment.push_back(c);  // a textarea sends CRLF (HTML §4.10.21.8)
  std::string decisionError, commentError;
  if (decision != "approve" && decision != "reject" && decision != "return")
    decisionError = "Choose Approve, Return or Reject.";
  else if (decision != "approve" && comment.find_first_not_of(" \t\n") == std::string::npos)
    commentError = std::string("Say why you ") +
                   (decision == "reject" ? "reject it" : "return it, and what to change") +
                   ": the requester reads this comment.";
  else if (auto e = engine::ApplicationService::checkComment(comment))
    commentError = e->message;
  if (!decisionError.empty() || !commentError.empty()) {
    api::JsonWriter w;
    w.beginObject();
    Views::application(w, a.value(), _s.catalog, Views::now());
    w.field("mayDecide", true)
        .field("approveWill", engine::portal::Review::approveWill(a.value(), s.email))
        .field("draft", engine::ApplicationService::checkText("comment", comment, comment.size())
                            ? ""
                            : comment)
        .field("decisionError", decisionError)
        .field("commentError", commentError);
    return render(ex, v, "application", a.value().number + " — Keywarden", w, 400);
  }
  if (form["confirm"] != "yes") {
    api::JsonWriter w;
    w.beginObject()
        .field("id", id)
        .field("number", a.value().number)
        .field("keyName", a.value().keyName)
        .field("decision", decision)
        .field("comment", comment)
        .field("approve", decision == "approve")
        .field("reject", decision == "reject")
        .field("return", decision == "return")
        .field("requester", a.value().requesterEmail)
        .field("approveWill", engine::portal::Review::approveWill(a.value(), s.email));
    return render(ex, v, "confirm", "Confirm — Keywarden", w);
  }
  engine::DecisionInput d;
  d.event = decision == "approve"  ? engine::AppEvent::Approve
            : decision == "reject" ? engine::AppEvent::Reject
                                   : engine::AppEvent::Return;
  d.comment = comment;
  auto r = _s.applications.decide(PortalService::approver(s), id, d);
  if (!r) return message(ex, v, statusOf(r.error()), "Not recorded", r.error().message + ".");
  redirect(ex, "/applications/" + id);
}

}  // namespace keywarden::web
