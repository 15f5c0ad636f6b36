#include "engine/text/PathPattern.h"

#include "engine/text/RequestTarget.h"

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

namespace {
// Only the characters a path segment may hold unescaped (RFC 3986 §3.3 pchar, less '%'),
// '/', and the pattern's own '{', '}' and '*'.
bool allowedCharacters(std::string_view p, std::string& why) {
  static const std::string_view allowed =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()+,=:@/{}*";
  for (char c : p) {
    if (allowed.find(c) != std::string_view::npos) continue;
    if (c == '%')
      why = "must not hold '%' escapes: write the path as the upstream serves it, decoded";
    else if (c == '?' || c == '#')
      why = "must not contain '?' or '#': an API path has no query or fragment";
    else
      why =
          "may hold only ASCII letters, digits, - . _ ~ ! $ & ' ( ) + , = : @, '/' between "
          "segments, '{name}' parameters and a final '*' (no spaces, '\\', ';' or controls)";
    return false;
  }
  return true;
}

// A '{name}' segment: the whole segment, a name of letters, digits and '_', not seen before.
bool parameterSegment(std::string_view s, std::vector<std::string_view>& params, std::string& why) {
  size_t open = s.find('{'), close = s.find('}');
  std::string_view name = s.size() >= 2 ? s.substr(1, s.size() - 2) : std::string_view();
  if (open != 0 || close != s.size() - 1 || s.size() < 3 ||
      name.find_first_of("{}") != std::string_view::npos) {
    why = "a '{param}' must be a whole segment with a name";
    return false;
  }
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      why = "a '{param}' name may hold only letters, digits and '_'";
      return false;
    }
  for (auto seen : params)
    if (seen == name) {
      why = "names the parameter '{" + std::string(name) + "}' twice";
      return false;
    }
  params.push_back(name);
  return true;
}
}  // namespace

bool PathPattern::validate(std::string_view p, std::string& why) {
  // A pattern is compared with request paths segment by segment, as text. Anything an
  // upstream could read as another path (RFC 3986 §5.2.4 dot segments, an empty segment,
  // an escape, a backslash) or that a request path never holds (a query, a fragment, a
  // control) would make an API that can never match, or match more than it says: refused.
  if (p.empty() || p[0] != '/') {
    why = "must start with '/'";
    return false;
  }
  if (p.size() > 2048) {
    why = "is longer than 2048 characters";
    return false;
  }
  if (p == "/") return true;
  if (!allowedCharacters(p, why)) return false;
  size_t star = p.find('*');
  if (star != std::string_view::npos &&
      (star != p.size() - 1 || (p.size() > 1 && p[star - 1] != '/'))) {
    why = "'*' is allowed only as the whole last segment";
    return false;
  }
  bool ok = true;
  std::vector<std::string_view> params;
  size_t index = 0, count = 0;
  forEachSegment(p, [&](std::string_view) { return ++count, true; });
  forEachSegment(p, [&](std::string_view s) {
    bool last = ++index == count;
    if (s.empty() && !last) {  // a trailing '/' is a segment of its own; '//' is not
      why = "must not hold an empty segment ('//')";
      return ok = false;
    }
    // RequestTarget refuses a request segment made only of '.' and '+' ('...', '+', '.+'):
    // no request could ever match such a pattern segment.
    if (!s.empty() && s.find_first_not_of(".+") == std::string_view::npos) {
      why =
          "must not hold a segment made only of '.' and '+' ('.', '..', '...', '+'): "
          "requests naming one are refused as ambiguous";
      return ok = false;
    }
    if (s.find_first_of("{}") == std::string_view::npos) return true;
    if (!parameterSegment(s, params, why)) return ok = false;
    return true;
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
