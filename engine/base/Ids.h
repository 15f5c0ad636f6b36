#pragma once

#include <string>
#include <string_view>

namespace keywarden::engine {

// Identifiers: generated ones are `<kind>_` + 8 base62 characters of the creation millisecond
// (so they sort by creation time) + 12 random base62 characters; within one millisecond a
// process's ids still sort in creation order (the previous id's random part plus one, as ULID's
// monotonic mode). make() is thread-safe. Ids chosen by callers must be 1–64 characters of
// [A-Za-z0-9._:-].
class Ids {
 public:
  static std::string make(std::string_view kind);
  // This process's id (`ins_…`, made once): tells a change feed's readers who wrote a change.
  static const std::string& instance();
  static bool valid(std::string_view id);
  // Tenants: 1–64 characters of [a-z0-9_-].
  static bool validTenant(std::string_view tenant);
};

}  // namespace keywarden::engine
