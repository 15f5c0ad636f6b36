#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/Rfc3339.h"

namespace keywarden::engine {

// How mails and pages show values to people (one wording everywhere). Stateless; thread-safe.
class DisplayText {
 public:
  // "a, b, c", or `none` for an empty list.
  static std::string list(const std::vector<std::string>& v, const std::string& none,
                          const std::string& separator = ", ") {
    if (v.empty()) return none;
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : separator) + s;
    return out;
  }
  // "a", "a and b", "a, b and c" (for sentences); "" for an empty list.
  static std::string sentenceList(const std::vector<std::string>& v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i)
      out += (i == 0 ? "" : i + 1 == v.size() ? " and " : ", ") + v[i];
    return out;
  }
  // RFC 3339, or `none` when the time is unset (0).
  static std::string time(int64_t ms, const std::string& none) {
    return ms ? Rfc3339::format(ms) : none;
  }
  static std::string quota(int64_t q) { return q < 0 ? "unlimited" : std::to_string(q) + " calls"; }
  // A history entry's event as a past-tense phrase: "approved", "returned for changes" …
  static std::string decision(const std::string& event) {
    if (event == "approve") return "approved";
    if (event == "reject") return "rejected";
    if (event == "return") return "returned for changes";
    if (event == "withdraw") return "withdrew";
    if (event == "submit") return "submitted";
    if (event == "resubmit") return "resubmitted";
    if (event == "issue") return "carried out";
    if (event == "timeout") return "timed out";
    return event;
  }
  // Who a history entry names: an address, or Keywarden itself for "system" (a flow rule).
  static std::string who(const std::string& approver) {
    return approver == "system" ? "Keywarden" : approver;
  }
};

}  // namespace keywarden::engine
