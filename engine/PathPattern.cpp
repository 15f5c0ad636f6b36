#include "engine/PathPattern.h"

#include "engine/RequestTarget.h"

namespace keywarden::engine {

namespace {
// Calls fn(segment) for each '/'-separated segment of `path` after the leading '/'.
template <typename Fn>
void forEachSegment(std::string_view path, Fn fn) {
  size_t i = path.empty() || path[0] != '/' ? 0 : 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (!fn(path.substr(i, j - i))) return;
    i = j + 1;
  }
}
}  // namespace

bool PathPattern::validate(std::string_view p, std::string& why) {
  if (p.empty() || p[0] != '/') {
    why = "must start with '/'";
    return false;
  }
  if (p.find_first_of("?# \t") != std::string_view::npos) {
    why = "must not contain '?', '#' or spaces";
    return false;
  }
  size_t star = p.find('*');
  if (star != std::string_view::npos &&
      (star != p.size() - 1 || (p.size() > 1 && p[star - 1] != '/'))) {
    why = "'*' is allowed only as the whole last segment";
    return false;
  }
  bool ok = true;
  forEachSegment(p, [&](std::string_view s) {
    size_t open = s.find('{'), close = s.find('}');
    if (open == std::string_view::npos && close == std::string_view::npos) return true;
    if (open != 0 || close != s.size() - 1 || s.size() < 3) {
      why = "a '{param}' must be a whole segment with a name";
      ok = false;
    }
    return ok;
  });
  return ok;
}

bool PathPattern::isCanonical(std::string_view path) {
  return RequestTarget::isNormal(path.substr(0, path.find('?')));
}

PathPattern::PathPattern(std::string_view p) {
  if (!p.empty() && p.back() == '*') {
    _wildcardTail = true;
    p.remove_suffix(1);
    if (!p.empty() && p.back() == '/') p.remove_suffix(1);
  }
  if (p.empty()) return;  // "/*" matches everything
  forEachSegment(p, [&](std::string_view s) {
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
      _segments.push_back({Segment::Param, {}});
    } else {
      _segments.push_back({Segment::Literal, std::string(s)});
      ++_literals;
    }
    return true;
  });
}

bool PathPattern::matches(std::string_view path) const {
  size_t q = path.find_first_of("?#");
  if (q != std::string_view::npos) path = path.substr(0, q);
  if (path.empty() || path[0] != '/') return false;
  size_t index = 0;
  bool ok = true;
  bool overflow = false;
  if (_segments.empty()) return _wildcardTail || path == "/";
  forEachSegment(path, [&](std::string_view s) {
    if (index == _segments.size()) {
      overflow = true;
      return false;
    }
    const Segment& seg = _segments[index++];
    if (seg.kind == Segment::Param)
      ok = !s.empty();
    else
      ok = s == seg.text;
    return ok;
  });
  if (!ok) return false;
  if (overflow) return _wildcardTail;
  return index == _segments.size();
}

}  // namespace keywarden::engine
