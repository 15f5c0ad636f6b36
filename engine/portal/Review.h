#pragma once

#include <string>
#include <vector>

#include "engine/flows/Flow.h"
#include "engine/model/Application.h"
#include "engine/text/Phrase.h"

namespace keywarden::engine::portal {

// What a careful reader of an application needs to see, worked out from the application and the
// flow snapshot it follows (contract §5): each level with its rule and who decided what in the
// current round, what an approval by one approver would do now, and what is dangerous about
// the key asked for. What it says is phrases (engine/text/Phrase, ids of templates/strings.json)
// that the page says in its reader's language. Read-only; stateless; thread-safe.
class Review {
 public:
  struct Person {
    std::string email;
    Poco::Dynamic::Var decision;  // decision.approve …, or "" (not yet)
  };
  struct Level {
    int number = 0;
    std::string name;
    Poco::Dynamic::Var rule;  // policy.any …
    bool current = false;
    bool passed = false;  // approved in the current round
    std::vector<Person> approvers;
  };

  // The levels of `a`'s flow snapshot; decisions are those since `a` last entered review.
  static std::vector<Level> levels(const Application& a);
  // What Approve by `approver` would do now: "issues the key and mails it to …", "moves the
  // application to level 2: Security (…)", or "records your approval; … still needed".
  static Poco::Dynamic::Var approveWill(const Application& a, const std::string& approver);
  // What is dangerous, loudly: an unrestricted key (no APIs, groups or scopes), wildcard or
  // write scopes among `grantedScopes` (asked for directly or through the APIs and groups),
  // unlimited quota, no expiry. Empty when nothing is.
  static std::vector<Poco::Dynamic::Var> warnings(const Application& a,
                                                  const std::vector<std::string>& grantedScopes);
};

}  // namespace keywarden::engine::portal
