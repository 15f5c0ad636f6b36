#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace keywarden::engine {

// A registered API path: literal segments, `{param}` segments (exactly one non-empty
// segment) and an optional trailing `*` (any rest, including nothing).
// Immutable after construction; safe to share between threads.
class PathPattern {
 public:
  // Returns false and sets `why` when `pattern` is not a valid API path.
  static bool validate(std::string_view pattern, std::string& why);
  // False for a request path that could mean another path to an upstream (anything
  // RequestTarget would refuse or change: dot or empty segments, escapes, `;`, a backslash, …).
  // A query (`?…`) is ignored. Such a call is refused, never matched. Allocates nothing.
  static bool isCanonical(std::string_view path);
  // REQUIRES: validate(pattern).
  explicit PathPattern(std::string_view pattern);

  // `path` is the request path; a query string (`?…`) is ignored. Allocates nothing.
  bool matches(std::string_view path) const;
  // More literal segments first: used to order candidates for readability of results.
  int specificity() const { return _literals; }

 private:
  struct Segment {
    enum Kind { Literal, Param } kind;
    std::string text;
  };
  std::vector<Segment> _segments;
  bool _wildcardTail = false;
  int _literals = 0;
};

}  // namespace keywarden::engine
