// ApplicationService: decisions through approver links (GET shows, POST decides).
#include "engine/applications/ApplicationService.h"
#include "engine/applications/ApplicationServiceDetail.h"
#include "engine/base/Ids.h"
#include "engine/notices/ApplicationView.h"
#include "engine/text/JsonText.h"

namespace keywarden::engine {

using namespace application_detail;

LinkOutcome ApplicationService::viewLink(const std::string& token) {
  LinkOutcome out;
  LinkClaims claims;
  LinkSigner::Check check = _links.check(token, _clock.nowMs(), claims);
  if (check == LinkSigner::Check::Forged) return out;  // kind Forged, nothing else said
  out.approver = claims.approver;
  if (check == LinkSigner::Check::Expired) {
    out.kind = LinkOutcome::Expired;
    return out;
  }
  int64_t usedAt = 0;
  bool known = false;
  _store.read([&](Transaction& tx) {
    known = tx.outbox().findLink(claims.id, usedAt);
    out.application = tx.applications().find(claims.applicationId);
    if (out.application)
      out.view = ApplicationView::application(tx.catalog(), *out.application, "");
  });
  if (!known || !out.application) {
    out.kind = LinkOutcome::Forged;
    out.application.reset();
    out.view = Poco::JSON::Object::Ptr();
    return out;
  }
  const Application& a = *out.application;
  if (usedAt < 0)  // voided when its level was decided
    out.kind = LinkOutcome::Decided;
  else if (usedAt != 0)
    out.kind = LinkOutcome::Used;
  else if (a.state != AppState::InReview || a.level != claims.level)
    out.kind = LinkOutcome::Decided;
  else
    out.kind = LinkOutcome::Show;
  return out;
}

LinkOutcome ApplicationService::decideByLink(const std::string& token, const std::string& decision,
                                             const std::string& comment) {
  LinkOutcome out = viewLink(token);
  if (out.kind != LinkOutcome::Show) return out;
  LinkClaims claims;
  _links.check(token, _clock.nowMs(), claims);
  DecisionInput d;
  if (decision == "approve")
    d.event = AppEvent::Approve;
  else if (decision == "reject")
    d.event = AppEvent::Reject;
  else if (decision == "return")
    d.event = AppEvent::Return;
  else {
    out.kind = LinkOutcome::Invalid;
    out.field = "decision";
    out.code = "CHOOSE_DECISION";
    out.message = "Choose Approve, Return or Reject.";
    return out;
  }
  if (auto e = checkComment(comment)) {
    out.kind = LinkOutcome::Invalid;
    out.field = "comment";
    out.code = e->code;
    out.message = e->message;
    return out;
  }
  d.approver = claims.approver;
  d.comment = comment;
  d.level = claims.level;
  d.linkId = claims.id;
  Principal p;
  p.tokenId = "link";
  p.role = Role::Approver;
  p.email = claims.approver;
  p.actorName = "approval-link:" + claims.id;
  auto r = decide(p, claims.applicationId, d);
  if (r) {
    out.kind = LinkOutcome::Done;
    out.application = r.value();
    out.decision = decision;
    _store.read([&](Transaction& tx) {
      out.view = ApplicationView::application(tx.catalog(), *out.application, "");
    });
    return out;
  }
  const std::string& code = r.error().code;
  if (r.error().kind == ErrorKind::BadInput) {  // refused before anything was written
    out.kind = LinkOutcome::Invalid;
    out.field = r.error().field;
    out.code = r.error().code;
    out.message = r.error().message;
    return out;
  }
  if (code == "LINK_USED")
    out.kind = LinkOutcome::Used;
  else if (code == "LEVEL_DECIDED" || code == "INVALID_STATE" || code == "CONCURRENT_UPDATE")
    out.kind = LinkOutcome::Decided;
  else {
    out.kind = LinkOutcome::Refused;
    out.code = code;
    out.message = r.error().message;
  }
  _store.read([&](Transaction& tx) {
    out.application = tx.applications().find(claims.applicationId);
    if (out.application)
      out.view = ApplicationView::application(tx.catalog(), *out.application, "");
  });
  return out;
}

}  // namespace keywarden::engine
