#include "engine/portal/Review.h"

#include <algorithm>
#include <set>

#include "engine/applications/ApplicationServiceDetail.h"
#include "engine/notices/FlowPhrases.h"

namespace keywarden::engine::portal {

using application_detail::snapshotOf;

namespace {
// Index of the first history entry of the current round (the last submit or resubmit).
size_t roundStart(const Application& a) {
  size_t start = 0;
  for (size_t i = 0; i < a.history.size(); ++i)
    if (a.history[i].event == "submit" || a.history[i].event == "resubmit") start = i;
  return start;
}
bool isDecision(const std::string& e) {
  return e == "approve" || e == "reject" || e == "return";
}
}  // namespace

std::vector<Review::Level> Review::levels(const Application& a) {
  std::vector<Level> out;
  if (a.flowSnapshot.empty()) return out;
  Flow f = snapshotOf(a);
  size_t start = roundStart(a);
  for (size_t i = 0; i < f.levels.size(); ++i) {
    const FlowLevel& fl = f.levels[i];
    Level l;
    l.number = static_cast<int>(i + 1);
    l.name = fl.name;
    l.rule = FlowPhrases::policy(fl);
    l.current = a.state == AppState::InReview && a.level == l.number;
    l.passed = a.level > l.number || a.state == AppState::Issued || a.state == AppState::Approved;
    std::vector<std::string> people = fl.approvers;
    for (size_t k = start; k < a.history.size(); ++k) {  // escalation targets who decided
      const Decision& d = a.history[k];
      if (d.level == l.number && isDecision(d.event) && d.approver != "system" &&
          std::find(people.begin(), people.end(), d.approver) == people.end())
        people.push_back(d.approver);
    }
    for (const auto& p : people) {
      Person person{p, std::string()};
      for (size_t k = start; k < a.history.size(); ++k) {
        const Decision& d = a.history[k];
        if (d.level == l.number && d.approver == p && isDecision(d.event))
          person.decision = FlowPhrases::decision(d.event);
      }
      l.approvers.push_back(person);
    }
    out.push_back(std::move(l));
  }
  return out;
}

Poco::Dynamic::Var Review::approveWill(const Application& a, const std::string& approver) {
  if (a.state != AppState::InReview || a.level < 1) return std::string();
  Flow f = snapshotOf(a);
  if (a.level > static_cast<int>(f.levels.size())) return std::string();
  const FlowLevel& l = f.levels[a.level - 1];
  std::set<std::string> approved;
  for (const Decision* d : application_detail::levelDecisions(a))
    if (d->event == "approve") approved.insert(d->approver);
  approved.insert(approver);
  if (!l.satisfiedBy(approved)) {
    size_t need = l.policy == FlowLevel::Policy::All      ? l.approvers.size()
                  : l.policy == FlowLevel::Policy::Quorum ? static_cast<size_t>(l.quorum)
                                                          : 1;
    size_t more = need > approved.size() ? need - approved.size() : 1;
    return Phrase::text("approveWill.record", {{"level", a.level},
                                               {"name", l.name},
                                               {"more", static_cast<int64_t>(more)},
                                               {"many", more == 1 ? "" : "yes"},
                                               {"rule", FlowPhrases::policy(l)}});
  }
  if (a.level < static_cast<int>(f.levels.size())) {
    const FlowLevel& next = f.levels[a.level];
    return Phrase::text("approveWill.next", {{"level", a.level},
                                             {"next", a.level + 1},
                                             {"name", next.name},
                                             {"approvers", Phrase::andList(next.approvers)}});
  }
  if (a.kind == AppKind::New)
    return Phrase::text("approveWill.issue", {{"requester", a.requesterEmail}});
  if (a.kind == AppKind::Modify) return Phrase::text("approveWill.modify", {{"key", a.keyName}});
  return Phrase::text("approveWill.revoke", {{"key", a.keyName}});
}

std::vector<Poco::Dynamic::Var> Review::warnings(const Application& a,
                                                 const std::vector<std::string>& grantedScopes) {
  std::vector<Poco::Dynamic::Var> out;
  if (a.kind == AppKind::Revoke) return out;
  if (a.apis.empty() && a.groups.empty() && a.scopes.empty())
    out.emplace_back(Phrase::text("warning.unrestricted"));
  std::vector<std::string> wild, write;
  for (const auto& s : grantedScopes) {
    if (s.find('*') != std::string::npos)
      wild.push_back(s);
    else if (s.size() >= 6 && (s.compare(s.size() - 6, 6, ":write") == 0 ||
                               s.compare(s.size() - 6, 6, ":admin") == 0))
      write.push_back(s);
  }
  if (!wild.empty())
    out.emplace_back(Phrase::text("warning.wildcard", {{"scopes", Phrase::list(wild, "")}}));
  if (!write.empty())
    out.emplace_back(Phrase::text("warning.write", {{"scopes", Phrase::list(write, "")}}));
  if (a.quota < 0) out.emplace_back(Phrase::text("warning.unlimited"));
  if (a.expiresAt == 0) out.emplace_back(Phrase::text("warning.noExpiry"));
  return out;
}

}  // namespace keywarden::engine::portal
