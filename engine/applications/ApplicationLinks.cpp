// ApplicationService: decisions through approver links (GET shows, POST decides).
#include "engine/applications/ApplicationService.h"

#include <optional>

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

namespace {
// A form's decision field: approve, reject or return; nothing else.
std::optional<AppEvent> linkEvent(const std::string& decision) {
  if (decision == "approve") return AppEvent::Approve;
  if (decision == "reject") return AppEvent::Reject;
  if (decision == "return") return AppEvent::Return;
  return std::nullopt;
}

LinkOutcome invalid(LinkOutcome out, const std::string& field, const std::string& code,
                    const std::string& message) {
  out.kind = LinkOutcome::Invalid;
  out.field = field;
  out.code = code;
  out.message = message;
  return out;
}

// What a refused decision tells the person at the link, with the application as it is now.
LinkOutcome refusedLink(LinkOutcome out, const Error& e, Store& store,
                        const std::string& applicationId) {
  if (e.kind == ErrorKind::BadInput)  // refused before anything was written
    return invalid(std::move(out), e.field, e.code, e.message);
  if (e.code == "LINK_USED")
    out.kind = LinkOutcome::Used;
  else if (e.code == "LEVEL_DECIDED" || e.code == "INVALID_STATE" || e.code == "CONCURRENT_UPDATE")
    out.kind = LinkOutcome::Decided;
  else {
    out.kind = LinkOutcome::Refused;
    out.code = e.code;
    out.message = e.message;
  }
  store.read([&](Transaction& tx) {
    out.application = tx.applications().find(applicationId);
    if (out.application)
      out.view = ApplicationView::application(tx.catalog(), *out.application, "");
  });
  return out;
}
}  // namespace

LinkOutcome ApplicationService::decideByLink(const std::string& token, const std::string& decision,
                                             const std::string& comment) {
  LinkOutcome out = viewLink(token);
  if (out.kind != LinkOutcome::Show) return out;
  LinkClaims claims;
  _links.check(token, _clock.nowMs(), claims);
  std::optional<AppEvent> event = linkEvent(decision);
  if (!event)
    return invalid(std::move(out), "decision", "CHOOSE_DECISION",
                   "Choose Approve, Return or Reject.");
  if (auto e = checkComment(comment))
    return invalid(std::move(out), "comment", e->code, e->message);
  DecisionInput d;
  d.event = *event;
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
  if (!r) return refusedLink(std::move(out), r.error(), _store, claims.applicationId);
  out.kind = LinkOutcome::Done;
  out.application = r.value();
  out.decision = decision;
  _store.read([&](Transaction& tx) {
    out.view = ApplicationView::application(tx.catalog(), *out.application, "");
  });
  return out;
}

}  // namespace keywarden::engine
