#pragma once

#include <string>
#include <vector>

namespace keywarden::api {

// The browser's Accept-Language header (RFC 9110 §12.5.4) against the languages Keywarden has
// templates for. Each language range carries a weight (q=0 to 1, three decimals at most; absent
// means 1; q=0 means "not this one"); ranges are tried by weight, highest first, ties in header
// order. A range matches a tag by RFC 4647 §3.3.1 basic filtering, ignoring case: "zh" matches
// "zh-TW", "zh-TW" matches "zh-TW", "*" matches any tag not otherwise named. Traditional Chinese
// asked for as zh-Hant (zh-Hant-TW, zh-Hant-HK …), zh-HK or zh-MO is served zh-TW, the
// Traditional Chinese we write. A malformed entry is skipped, never an error: the page is still
// served, in the fall-back language. Stateless; thread-safe.
class AcceptLanguage {
 public:
  // The tag of `available` (spelled as there) the header prefers, or "" when it names none of
  // them (the caller falls back to its default language).
  static std::string choose(const std::string& header, const std::vector<std::string>& available);
};

}  // namespace keywarden::api
