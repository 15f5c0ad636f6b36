#include "engine/notices/FlowPhrases.h"

#include <Poco/JSON/Array.h>
#include "engine/base/Rfc3339.h"

#include "engine/text/StrictJson.h"

namespace keywarden::engine {

Phrase::Ptr FlowPhrases::level(const Flow& f, int level) {
  if (level >= 1 && level <= static_cast<int>(f.levels.size()))
    return Phrase::text("flow.level", {{"name", f.levels[level - 1].name},
                                       {"number", level},
                                       {"count", static_cast<int>(f.levels.size())}});
  return Phrase::text("level.number", {{"number", level}});
}

Poco::Dynamic::Var FlowPhrases::flowName(const Flow& f) {
  if (f.name.empty()) return f.id;
  return Phrase::text("flow.named", {{"name", f.name}, {"id", f.id}});
}

Phrase::Ptr FlowPhrases::timeout(const Flow& f, int lvl) {
  int64_t ms =
      lvl >= 1 && lvl <= static_cast<int>(f.levels.size()) ? f.levels[lvl - 1].timeoutMs : 0;
  if (ms > 0)
    return Phrase::text("flow.timeout",
                        {{"duration", Phrase::shortDuration(ms)}, {"level", level(f, lvl)}});
  return Phrase::text("flow.timeoutNoLimit", {{"level", level(f, lvl)}});
}

std::vector<std::string> FlowPhrases::escalatedTo(const std::string& comment) {
  std::vector<std::string> out;
  auto at = comment.find('[');
  if (at == std::string::npos) return out;
  auto parsed = StrictJson::parse(std::string_view(comment).substr(at));
  if (parsed.error || parsed.value.type() != typeid(Poco::JSON::Array::Ptr)) return out;
  auto a = parsed.value.extract<Poco::JSON::Array::Ptr>();
  for (unsigned i = 0; i < a->size(); ++i)
    if (a->get(i).isString()) out.push_back(a->get(i).extract<std::string>());
  return out;
}

Phrase::Ptr FlowPhrases::entry(const Flow& f, const Decision& d) {
  std::string at = Rfc3339::format(d.at);
  if (d.approver == "system") {
    if (d.event == "approve")
      return Phrase::text("history.flowApproved", {{"timeout", timeout(f, d.level)}, {"at", at}});
    if (d.event == "reject")
      return Phrase::text("history.flowRejected", {{"timeout", timeout(f, d.level)}, {"at", at}});
    if (d.event == "timeout")
      return Phrase::text("history.flowEscalated", {{"timeout", timeout(f, d.level)},
                                                    {"people", names(escalatedTo(d.comment))},
                                                    {"at", at}});
    return Phrase::text("history.system", {{"what", decision(d.event)}, {"at", at}});
  }
  return Phrase::text(
      "history.person",
      {{"who", d.approver}, {"what", decision(d.event)}, {"level", level(f, d.level)}, {"at", at}});
}

Phrase::Ptr FlowPhrases::decision(const std::string& event) {
  auto p = Phrase::text("decision." + event);
  p->set("@else", event);
  return p;
}

Poco::Dynamic::Var FlowPhrases::who(const std::string& approver) {
  if (approver == "system") return Phrase::text("who.system");
  return approver;
}

Phrase::Ptr FlowPhrases::policy(const FlowLevel& l) {
  switch (l.policy) {
    case FlowLevel::Policy::All:
      return Phrase::text("policy.all");
    case FlowLevel::Policy::Quorum:
      return Phrase::text("policy.quorum", {{"quorum", l.quorum}});
    case FlowLevel::Policy::Any:
      break;
  }
  return Phrase::text("policy.any");
}

Poco::Dynamic::Var FlowPhrases::timeoutRule(const FlowLevel& l) {
  Phrase::Ptr action;
  if (l.onTimeout == FlowLevel::OnTimeout::Reject)
    action = Phrase::text("timeout.reject");
  else if (l.onTimeout == FlowLevel::OnTimeout::Approve)
    action = Phrase::text("timeout.approve");
  else if (l.onTimeout == FlowLevel::OnTimeout::Escalate)
    action = Phrase::text("timeout.escalate", {{"people", names(l.escalateTo)}});
  if (l.timeoutMs <= 0 || !action) return std::string();
  return Phrase::text("timeout.rule",
                      {{"duration", Phrase::shortDuration(l.timeoutMs)}, {"action", action}});
}

Poco::Dynamic::Var FlowPhrases::limits(const KeyChanges& c) {
  std::vector<Poco::Dynamic::Var> parts;
  if (c.refill) {
    if (c.refill->interval == RefillInterval::None)
      parts.emplace_back(Phrase::text("limits.refillRemoved"));
    else
      parts.emplace_back(Phrase::text(c.refill->interval == RefillInterval::Daily
                                          ? "limits.refillDaily"
                                          : "limits.refillMonthly",
                                      {{"amount", c.refill->amount}}));
  }
  if (c.rateLimit) {
    if (c.rateLimit->limit == 0)
      parts.emplace_back(Phrase::text("limits.rateRemoved"));
    else
      parts.emplace_back(
          Phrase::text("limits.rate", {{"limit", c.rateLimit->limit},
                                       {"window", Phrase::shortDuration(c.rateLimit->windowMs)}}));
  }
  if (parts.empty()) return std::string();
  return Phrase::list(parts, "");
}

Phrase::Ptr FlowPhrases::names(const std::vector<std::string>& v) {
  return Phrase::list(v, Phrase::text("list.none"));
}

}  // namespace keywarden::engine
