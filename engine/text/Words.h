#pragma once

#include <cstdint>
#include <string>

namespace keywarden::engine {

// How the portal's pages and the sign-in mail say times and amounts to people: in words, never
// raw milliseconds. Stateless; thread-safe.
class Words {
 public:
  // "15 minutes", "8 hours", "1 day", "3 days 4 hours" (the two largest units, rounded down).
  static std::string duration(int64_t ms);
  // `at` relative to `now`: "in 3 days", "2 hours ago", "just now".
  static std::string relative(int64_t at, int64_t now);
  // "1,000 calls", "unlimited".
  static std::string quota(int64_t q);
  // "2026-12-01 14:30 UTC" (minutes; the zone named).
  static std::string time(int64_t ms);
  // "2026-12-01" (UTC), for a date input's value; "" for 0.
  static std::string date(int64_t ms);
};

}  // namespace keywarden::engine
