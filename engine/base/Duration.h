#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keywarden::engine {

// Durations as written in configuration and flow files: a positive integer (ASCII digits only,
// no sign, no spaces) and one unit, `ms`, `s`, `m`, `h` or `d` (`90s`, `15m`, `48h`, `7d`),
// at most kMaxMs (100 years). Stateless; thread-safe.
class Duration {
 public:
  static constexpr int64_t kMaxMs = 36500LL * 86'400'000;  // 36500 days: 100 years
  // Milliseconds, or nullopt when `text` is not a duration (empty, zero, negative, an unknown
  // unit, or longer than kMaxMs — never wrapped around).
  static std::optional<int64_t> parseMs(std::string_view text);
  static std::string format(int64_t ms);
};

}  // namespace keywarden::engine
