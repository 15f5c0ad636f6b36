#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace keywarden::engine {

// UTF-8 checks and counts (RFC 3629: shortest form only, no surrogates, at most U+10FFFF).
// Stateless; safe from any thread.
class Utf8 {
 public:
  // True when `s` is well-formed UTF-8.
  static bool valid(std::string_view s);
  // The number of code points in `s` (what the API calls "characters"); REQUIRES: valid(s).
  static size_t length(std::string_view s);
  // The byte length of the well-formed sequence starting at s[i], or 0 when none starts there.
  static size_t sequenceAt(std::string_view s, size_t i);
  // True when `s` holds a control character: C0 (U+0000-U+001F), DEL or C1 (U+0080-U+009F);
  // without `allowLineBreaks`, U+2028 and U+2029 (line and paragraph separators) count too.
  // With `allowLineBreaks`, tab, LF, CR, U+2028 and U+2029 are allowed (multi-line text such
  // as a comment).
  // REQUIRES: valid(s).
  static bool hasControl(std::string_view s, bool allowLineBreaks);
  // Appends code point `cp` (REQUIRES: a scalar value) in UTF-8.
  static void append(std::string& out, unsigned cp);
};

}  // namespace keywarden::engine
