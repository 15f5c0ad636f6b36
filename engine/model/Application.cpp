#include "engine/model/Application.h"

#include "engine/base/Duration.h"

namespace keywarden::engine {

namespace {
constexpr std::string_view kStates[] = {"SUBMITTED", "IN_REVIEW", "APPROVED",  "ISSUED",
                                        "REJECTED",  "RETURNED",  "WITHDRAWN", "TIMED_OUT"};
constexpr std::string_view kEvents[] = {"submit",   "approve",  "reject",  "return",
                                        "resubmit", "withdraw", "timeout", "issue"};
constexpr std::string_view kKinds[] = {"new", "modify", "revoke"};
}  // namespace

std::string_view appStateName(AppState s) {
  return kStates[static_cast<int>(s)];
}
std::string_view appEventName(AppEvent e) {
  return kEvents[static_cast<int>(e)];
}
std::string_view appKindName(AppKind k) {
  return kKinds[static_cast<int>(k)];
}

std::optional<AppState> parseAppState(std::string_view s) {
  for (int i = 0; i < 8; ++i)
    if (kStates[i] == s) return static_cast<AppState>(i);
  return std::nullopt;
}

std::optional<AppKind> parseAppKind(std::string_view s) {
  for (int i = 0; i < 3; ++i)
    if (kKinds[i] == s) return static_cast<AppKind>(i);
  return std::nullopt;
}

std::string KeyChanges::limitsText() const {
  std::string out;
  if (refill) {
    if (refill->interval == RefillInterval::None)
      out = "refill removed";
    else
      out = "refill " + std::to_string(refill->amount) +
            (refill->interval == RefillInterval::Daily ? " a day" : " a month");
  }
  if (rateLimit) {
    if (!out.empty()) out += ", ";
    if (rateLimit->limit == 0)
      out += "rate limit removed";
    else
      out += "rate limit " + std::to_string(rateLimit->limit) + " per " +
             Duration::format(rateLimit->windowMs);
  }
  return out;
}

}  // namespace keywarden::engine
