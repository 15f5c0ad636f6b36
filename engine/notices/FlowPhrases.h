#pragma once

#include <string>
#include <vector>

#include "engine/flows/Flow.h"
#include "engine/model/Application.h"
#include "engine/text/Phrase.h"

namespace keywarden::engine {

// What mails and pages say about an application's flow, its levels and its history, as phrases
// (engine/text/Phrase: ids of templates/strings.json with values) that the template set says
// in the reader's language — never English built here. Stateless; thread-safe.
class FlowPhrases {
 public:
  using Var = Poco::Dynamic::Var;

  // "Team lead (level 1 of 2)" (flow.level), or "level 3" (level.number) when the flow has no
  // such level.
  static Phrase::Ptr level(const Flow& f, int level);
  // "Name (id)" (flow.named), or the id when the flow has no name.
  static Var flowName(const Flow& f);
  // "no one decided within 3d at <level>" (flow.timeout / flow.timeoutNoLimit).
  static Phrase::Ptr timeout(const Flow& f, int level);
  // One history entry as a sentence: who did what, where and when (history.*).
  static Phrase::Ptr entry(const Flow& f, const Decision& d);
  // A history event as a past-tense phrase: "approved", "returned for changes" (decision.<event>;
  // an unknown event is shown as it is).
  static Phrase::Ptr decision(const std::string& event);
  // Who a history entry names: an address, or Keywarden itself (who.system) for "system".
  static Var who(const std::string& approver);
  // A level's rule: "every one of them must approve" (policy.*).
  static Phrase::Ptr policy(const FlowLevel& l);
  // What a level's timeout does: "3d, the flow rejects the application" (timeout.*), or "" when
  // the level has none.
  static Var timeoutRule(const FlowLevel& l);
  // A modify application's refill and rate-limit changes ("refill 50 a day, rate limit 2 per
  // 1m"; limits.*), or "" when neither changes.
  static Var limits(const KeyChanges& c);
  // A list of addresses or names: "a, b", or "none" (list.none).
  static Phrase::Ptr names(const std::vector<std::string>& v);
  // The escalation targets a timeout entry's comment names ("…; escalated to [\"a\",\"b\"]").
  static std::vector<std::string> escalatedTo(const std::string& comment);
};

}  // namespace keywarden::engine
