// ApplicationService: rules that read an application or an input without changing anything —
// who the application waits for, and what free text may hold.
#include "engine/applications/ApplicationService.h"
#include "engine/applications/ApplicationServiceDetail.h"
#include "engine/text/Validation.h"

namespace keywarden::engine {

using namespace application_detail;

std::vector<std::string> ApplicationService::currentApprovers(const Application& a) {
  if (a.state != AppState::InReview || a.level < 1) return {};
  Flow f = snapshotOf(a);
  if (a.level > static_cast<int>(f.levels.size())) return {};
  return f.levels[a.level - 1].approvers;
}

std::optional<Error> ApplicationService::checkText(const std::string& field, const std::string& v,
                                                   size_t maxChars) {
  return Validation::text(field, v, maxChars, true);  // line breaks and tabs allowed
}

std::optional<Error> ApplicationService::checkComment(const std::string& comment) {
  return checkText("comment", comment, kMaxTextChars);
}

std::optional<Error> ApplicationService::checkDescription(const ApplicationInput& in) {
  if (!in.description) return std::nullopt;
  return checkText("description", *in.description, kMaxTextChars);
}

bool ApplicationService::hasDecided(const Application& a, const std::string& approver) {
  for (const Decision* d : levelDecisions(a))
    if (d->approver == approver &&
        (d->event == "approve" || d->event == "reject" || d->event == "return"))
      return true;
  return false;
}

std::vector<std::string> ApplicationService::waitingApprovers(const Application& a) {
  std::vector<std::string> out;
  for (auto& approver : currentApprovers(a))
    if (approver != a.requesterEmail && !hasDecided(a, approver))  // never their own
      out.push_back(std::move(approver));
  return out;
}

}  // namespace keywarden::engine
