#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace keywarden::engine {

// RFC 3339 timestamps <-> epoch milliseconds (UTC). Stateless; thread-safe.
//
// parse() accepts exactly the date-time of RFC 3339 §5.6:
//   YYYY-MM-DD "T" hh:mm:ss [ "." 1*9DIGIT ] ( "Z" / ("+" / "-") hh:mm )
// with 'T' and 'Z' also in lower case (§5.6 NOTE); month, day (leap years included), hour
// 00-23, minute and second 00-59 and offsets of -23:59..+23:59 checked. A leap second (:60)
// is refused: times are kept as milliseconds of POSIX time, which has none. Fractional digits
// past the millisecond must be zero (times are kept to the millisecond, never rounded). The
// instant, offset applied, must lie in kMinMs..kMaxMs: after 1970-01-01T00:00:00Z (0 means
// "no time" in this API) and before year 10000. Whatever format() prints, parse() accepts.
class Rfc3339 {
 public:
  static constexpr int64_t kMinMs = 1;                  // 1970-01-01T00:00:00.001Z
  static constexpr int64_t kMaxMs = 253402300799999LL;  // 9999-12-31T23:59:59.999Z
  // Epoch ms, or nullopt; `why` (when given) says what is wrong.
  static std::optional<int64_t> parse(const std::string& text, std::string* why = nullptr);
  // `2026-11-21T10:00:00Z`, or with `.123` when the milliseconds are not zero.
  // REQUIRES: kMinMs <= ms <= kMaxMs (what parse() returns) for a round trip.
  static std::string format(int64_t ms);
};

}  // namespace keywarden::engine
