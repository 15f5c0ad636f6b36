#include "engine/text/Words.h"

#include "engine/base/Rfc3339.h"

namespace keywarden::engine {

namespace {
std::string unit(int64_t n, const char* one) {
  return std::to_string(n) + " " + one + (n == 1 ? "" : "s");
}
}  // namespace

std::string Words::duration(int64_t ms) {
  if (ms < 0) ms = -ms;
  struct U {
    int64_t ms;
    const char* name;
  };
  static const U units[] = {
      {86400000, "day"}, {3600000, "hour"}, {60000, "minute"}, {1000, "second"}};
  for (size_t i = 0; i < 4; ++i) {
    if (ms < units[i].ms) continue;
    std::string out = unit(ms / units[i].ms, units[i].name);
    int64_t rest = ms % units[i].ms;
    if (i + 1 < 4 && rest >= units[i + 1].ms)
      out += " " + unit(rest / units[i + 1].ms, units[i + 1].name);
    return out;
  }
  return "less than a second";
}

std::string Words::relative(int64_t at, int64_t now) {
  int64_t d = at - now;
  if (d > -60000 && d < 60000) return "just now";
  return d > 0 ? "in " + duration(d) : duration(d) + " ago";
}

std::string Words::quota(int64_t q) {
  if (q < 0) return "unlimited";
  std::string digits = std::to_string(q), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out + (q == 1 ? " call" : " calls");
}

std::string Words::time(int64_t ms) {
  std::string t = Rfc3339::format(ms);  // 2026-12-01T14:30:00.000Z or …Z
  return t.substr(0, 10) + " " + t.substr(11, 5) + " UTC";
}

std::string Words::date(int64_t ms) {
  return ms ? Rfc3339::format(ms).substr(0, 10) : std::string();
}

}  // namespace keywarden::engine
