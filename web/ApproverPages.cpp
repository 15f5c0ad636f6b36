// Portal: the approver's inbox and decisions (contract §7 /inbox; issue 13 "Approver").
#include <algorithm>

#include "engine/notices/FlowPhrases.h"
#include "engine/portal/Review.h"
#include "engine/text/Phrase.h"
#include "web/Portal.h"
#include "web/Views.h"

namespace keywarden::web {

using engine::portal::PortalService;

void Portal::inbox(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  if (!v.roles.approver)
    return message(ex, v, 403, tx(v)("message.noInbox"), tx(v)("message.noInboxText"));
  const auto& s = *v.session;
  int64_t now = Views::now();
  api::JsonWriter w;
  w.beginObject();
  auto waiting = _s.applications.list(PortalService::approver(s), {}, s.email);
  w.beginArray("waiting");
  if (waiting)
    for (const auto& a : waiting.value()) Views::row(w, a, now, tx(v));
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
        mine = tx(v).say(engine::FlowPhrases::decision(d.event));
    w.beginObject()
        .field("id", a.value().id)
        .field("number", a.value().number)
        .field("keyName", a.value().keyName)
        .field("requester", a.value().requesterEmail)
        .field("mine", mine)
        .field("stateText", Views::stateText(a.value().state, tx(v)))
        .endObject();
    ++decided;
  }
  w.endArray();
  w.field("decidedCount", decided);
  render(ex, v, "inbox", tx(v)("title.inbox"), w);
}

namespace {
// The confirm page's values: what the approver is about to record on application `a`.
void writeConfirm(api::JsonWriter& w, const engine::Application& a, const std::string& decision,
                  const std::string& comment, const std::string& approveWill) {
  w.beginObject()
      .field("id", a.id)
      .field("number", a.number)
      .field("keyName", a.keyName)
      .field("decision", decision)
      .field("comment", comment)
      .field("approve", decision == "approve")
      .field("reject", decision == "reject")
      .field("return", decision == "return")
      .field("requester", a.requesterEmail)
      .field("approveWill", approveWill);
}
}  // namespace

void Portal::decide(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  std::map<std::string, std::string> form;
  std::optional<engine::Error> unreadable;  // shown on the form, with what could be read
  if (!readForm(ex, v, {"decision", "comment", "confirm"}, form, &unreadable)) return;
  const auto& s = *v.session;
  const std::string& id = ex.param("id");
  auto a = _s.applications.get(PortalService::approver(s), id);
  if (!v.roles.approver || !a)
    return message(ex, v, 404, tx(v)("message.notFound"),
                   tx(v)("message.noSuchWaitingApplication"));
  std::string decision = form["decision"];
  std::string comment;
  for (char c : form["comment"])
    if (c != '\r') comment.push_back(c);  // a textarea sends CRLF (HTML §4.10.21.8)
  std::string decisionError, commentError;
  if (unreadable)  // next to the decision, else next to the comment (the form's typed text)
    (unreadable->field == "decision" ? decisionError : commentError) = say(v, *unreadable);
  else if (decision != "approve" && decision != "reject" && decision != "return")
    decisionError = tx(v)("error.chooseDecision");
  else if (decision != "approve" && comment.find_first_not_of(" \t\n") == std::string::npos)
    commentError = tx(v)(decision == "reject" ? "error.sayWhyReject" : "error.sayWhyReturn");
  else if (auto e = engine::ApplicationService::checkComment(comment))
    commentError = say(v, *e);
  if (!decisionError.empty() || !commentError.empty()) {
    api::JsonWriter w;
    w.beginObject();
    Views::application(w, a.value(), _s.catalog, Views::now(), tx(v));
    w.field("mayDecide", true)
        .field("approveWill", tx(v).say(engine::portal::Review::approveWill(a.value(), s.email)))
        .field("draft", engine::ApplicationService::checkText("comment", comment, comment.size())
                            ? ""
                            : comment)
        .field("decisionError", decisionError)
        .field("commentError", commentError);
    return render(ex, v, "application", tx(v)("title.named", {{"name", a.value().number}}), w, 400);
  }
  if (form["confirm"] != "yes") {
    api::JsonWriter w;
    writeConfirm(w, a.value(), decision, comment,
                 tx(v).say(engine::portal::Review::approveWill(a.value(), s.email)));
    return render(ex, v, "confirm", tx(v)("title.confirm"), w);
  }
  engine::DecisionInput d;
  d.event = decision == "approve"  ? engine::AppEvent::Approve
            : decision == "reject" ? engine::AppEvent::Reject
                                   : engine::AppEvent::Return;
  d.comment = comment;
  auto r = _s.applications.decide(PortalService::approver(s), id, d);
  if (!r) return failed(ex, v, "message.notRecorded", r.error());
  redirect(ex, "/applications/" + id);
}

}  // namespace keywarden::web
