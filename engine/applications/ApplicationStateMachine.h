#pragma once

#include <optional>
#include <vector>

#include "engine/model/Application.h"

namespace keywarden::engine {

// The application life cycle as one table: (state, event, guard) → (next state, actions).
// Nothing else decides which transitions exist; the service only evaluates guards and runs
// the actions the table names.
class ApplicationStateMachine {
 public:
  // Facts a guard looks at, computed by the caller for the event at hand.
  struct Facts {
    bool flowHasLevels = false;
    bool levelComplete = false;  // approve: this approval completes the current level
    bool lastLevel = false;      // the current level is the flow's last
  };
  enum class Guard { Always, HasLevels, NoLevels, LevelOpen, LevelDoneMore, LevelDoneLast };
  enum class Action {
    EnterFirstLevel,  // level = 1 (and, from the scheduler issue on, its timeout job)
    NextLevel,        // level + 1
    RecordDecision,   // a history row for the approver's decision
    ApplyChanges,     // a resubmission's changes
    ClearLevel,       // level = 0: the application left review
    CarryOut,         // issue, modify or revoke the key (then the `issue` event)
  };
  struct Transition {
    AppState from;
    AppEvent event;
    Guard guard;
    AppState to;
    std::vector<Action> actions;
  };

  static const std::vector<Transition>& table();
  // The transition for `event` in `state` given `facts`, or nullopt when the event is not
  // allowed there (callers answer 409 naming the current state).
  static std::optional<Transition> find(AppState state, AppEvent event, const Facts& facts);
  static bool guardHolds(Guard g, const Facts& f);
};

}  // namespace keywarden::engine
