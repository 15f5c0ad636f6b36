// ApplicationService: level timeouts (scheduled with the level, run by the scheduler).
#include "engine/applications/ApplicationService.h"
#include "engine/applications/ApplicationServiceDetail.h"
#include "engine/base/Ids.h"
#include "engine/text/JsonText.h"

namespace keywarden::engine {

using namespace application_detail;

void ApplicationService::scheduleTimeout(Transaction& tx, const Application& a, int64_t now) const {
  Flow f = snapshotOf(a);
  if (a.level < 1 || a.level > static_cast<int>(f.levels.size())) return;
  const FlowLevel& l = f.levels[a.level - 1];
  if (l.timeoutMs <= 0 || l.onTimeout == FlowLevel::OnTimeout::None) return;
  Job j;
  j.id = Ids::make("job");
  j.kind = jobKindName(JobKind::LevelTimeout);
  j.refId = a.id;
  j.dueAt = now + l.timeoutMs;
  j.payload = "{\"level\":" + std::to_string(a.level) + "}";
  j.createdAt = now;
  tx.jobs().insert(j);
  if (_jobWake) tx.afterCommit(_jobWake);
}

void ApplicationService::runTimeout(Transaction& tx, const Job& job, int64_t now) {
  auto found = tx.applications().find(job.refId);
  if (!found || found->state != AppState::InReview) return;  // decided meanwhile
  Application a = std::move(*found);
  if (job.payload != "{\"level\":" + std::to_string(a.level) + "}") return;  // another level by now
  Flow f = snapshotOf(a);
  FlowLevel& level = f.levels[a.level - 1];
  Principal system = systemFor(a);
  int64_t expected = a.version;
  Decision d{"", a.id, a.level, "timeout", "system", system.actor(), "", now};
  if (level.onTimeout == FlowLevel::OnTimeout::Escalate) {
    std::vector<std::string> added;
    for (const auto& e : level.escalateTo)
      if (!level.isApprover(e)) {
        level.approvers.push_back(e);
        added.push_back(e);
      }
    level.timeoutMs = 0;  // escalates once
    level.onTimeout = FlowLevel::OnTimeout::None;
    level.escalateTo.clear();
    a.flowSnapshot = FlowParser::toJson(f);
    d.comment = "no decision in time; escalated to " + JsonText::array(added);
    record(tx, system, a, d);
    _notices.escalated(tx, a, added, now);
  } else {
    AppEvent event = AppEvent::Timeout;
    ApplicationStateMachine::Facts facts{true, false, a.level == a.levelCount};
    if (level.onTimeout == FlowLevel::OnTimeout::Reject) {
      event = AppEvent::Reject;
      d.event = "reject";
      d.comment = "no decision in time: rejected by the flow's rule";
    } else if (level.onTimeout == FlowLevel::OnTimeout::Approve) {
      event = AppEvent::Approve;
      d.event = "approve";
      d.comment = "no decision in time: approved by the flow's rule";
      facts.levelComplete = true;
    }
    auto t = ApplicationStateMachine::find(a.state, event, facts);
    if (!t) return;
    if (event == AppEvent::Timeout) record(tx, system, a, d);
    if (auto e = applyThenIssue(tx, system, a, *t, event == AppEvent::Timeout ? nullptr : &d, facts,
                                now))
      throw std::runtime_error(e->message);
  }
  a.updatedAt = now;
  a.version = expected + 1;
  if (!tx.applications().update(a, expected))
    throw std::runtime_error("application changed meanwhile");
}

}  // namespace keywarden::engine
