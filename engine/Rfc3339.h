#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace keywarden::engine {

// RFC 3339 timestamps <-> epoch milliseconds (UTC).
class Rfc3339 {
 public:
  // Accepts `2026-11-21T10:00:00Z`, fractional seconds and numeric offsets.
  static std::optional<int64_t> parse(const std::string& text);
  // `2026-11-21T10:00:00Z`, or with `.123` when the milliseconds are not zero.
  static std::string format(int64_t ms);
};

}  // namespace keywarden::engine
