#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/Rfc3339.h"

namespace keywarden::engine {

// How mails and pages show values to people (one wording everywhere).
class DisplayText {
 public:
  // "a, b, c", or `none` for an empty list.
  static std::string list(const std::vector<std::string>& v, const std::string& none) {
    if (v.empty()) return none;
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
  }
  // RFC 3339, or `none` when the time is unset (0).
  static std::string time(int64_t ms, const std::string& none) {
    return ms ? Rfc3339::format(ms) : none;
  }
  static std::string quota(int64_t q) { return q < 0 ? "unlimited" : std::to_string(q) + " calls"; }
};

}  // namespace keywarden::engine
