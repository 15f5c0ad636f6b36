#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keywarden::engine {

// Durations as written in configuration and flow files: a positive integer and one unit,
// `ms`, `s`, `m`, `h` or `d` (`90s`, `15m`, `48h`, `7d`).
class Duration {
 public:
  // Milliseconds, or nullopt when `text` is not a duration.
  static std::optional<int64_t> parseMs(std::string_view text);
  static std::string format(int64_t ms);
};

}  // namespace keywarden::engine
