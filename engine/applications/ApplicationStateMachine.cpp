#include "engine/applications/ApplicationStateMachine.h"

namespace keywarden::engine {

using S = AppState;
using E = AppEvent;
using G = ApplicationStateMachine::Guard;
using A = ApplicationStateMachine::Action;

const std::vector<ApplicationStateMachine::Transition>& ApplicationStateMachine::table() {
  static const std::vector<Transition> kTable = {
      {S::Submitted, E::Submit, G::HasLevels, S::InReview, {A::EnterFirstLevel}},
      {S::Submitted, E::Submit, G::NoLevels, S::Approved, {A::ClearLevel}},
      {S::Submitted, E::Withdraw, G::Always, S::Withdrawn, {A::ClearLevel}},
      {S::InReview, E::Approve, G::LevelOpen, S::InReview, {A::RecordDecision}},
      {S::InReview, E::Approve, G::LevelDoneMore, S::InReview, {A::RecordDecision, A::NextLevel}},
      {S::InReview, E::Approve, G::LevelDoneLast, S::Approved, {A::RecordDecision, A::ClearLevel}},
      {S::InReview, E::Reject, G::Always, S::Rejected, {A::RecordDecision, A::ClearLevel}},
      {S::InReview, E::Return, G::Always, S::Returned, {A::RecordDecision, A::ClearLevel}},
      {S::InReview, E::Withdraw, G::Always, S::Withdrawn, {A::ClearLevel}},
      {S::InReview, E::Timeout, G::Always, S::TimedOut, {A::ClearLevel}},
      {S::Returned, E::Resubmit, G::HasLevels, S::InReview, {A::ApplyChanges, A::EnterFirstLevel}},
      {S::Returned, E::Resubmit, G::NoLevels, S::Approved, {A::ApplyChanges, A::ClearLevel}},
      {S::Returned, E::Withdraw, G::Always, S::Withdrawn, {A::ClearLevel}},
      {S::Approved, E::Issue, G::Always, S::Issued, {A::CarryOut}},
  };
  return kTable;
}

bool ApplicationStateMachine::guardHolds(Guard g, const Facts& f) {
  switch (g) {
    case G::Always:
      return true;
    case G::HasLevels:
      return f.flowHasLevels;
    case G::NoLevels:
      return !f.flowHasLevels;
    case G::LevelOpen:
      return !f.levelComplete;
    case G::LevelDoneMore:
      return f.levelComplete && !f.lastLevel;
    case G::LevelDoneLast:
      return f.levelComplete && f.lastLevel;
  }
  return false;
}

std::optional<ApplicationStateMachine::Transition> ApplicationStateMachine::find(
    AppState state, AppEvent event, const Facts& facts) {
  for (const auto& t : table())
    if (t.from == state && t.event == event && guardHolds(t.guard, facts)) return t;
  return std::nullopt;
}

}  // namespace keywarden::engine
