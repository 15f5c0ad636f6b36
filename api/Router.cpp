#include "api/Router.h"

#include <Poco/URI.h>

#include "engine/text/Utf8.h"

namespace keywarden::api {

size_t Router::indexOfPattern(const std::string& pattern) {
  for (size_t i = 0; i < _patterns.size(); ++i)
    if (_patterns[i] == pattern) return i;
  _patterns.push_back(pattern);
  return _patterns.size() - 1;
}

void Router::add(const std::string& method, const std::string& pattern, Handler h) {
  size_t index = indexOfPattern(pattern);
  _routes.push_back({method, pattern, std::move(h), index});
}

bool Router::bind(const std::string& pattern, std::string_view path,
                  std::vector<std::pair<std::string, std::string>>& params) {
  std::string_view p = pattern;
  size_t pi = 1, si = 1;
  if (path.empty() || path[0] != '/') return false;
  while (pi <= p.size()) {
    size_t pe = p.find('/', pi);
    if (pe == std::string_view::npos) pe = p.size();
    std::string_view seg = p.substr(pi, pe - pi);
    if (si > path.size()) return false;
    if (seg.size() > 3 && seg.substr(0, 2) == "{*") {  // the rest of the path
      params.emplace_back(std::string(seg.substr(2, seg.size() - 3)),
                          std::string(path.substr(si - 1)));
      return true;
    }
    size_t se = path.find('/', si);
    if (se == std::string_view::npos) se = path.size();
    std::string_view part = path.substr(si, se - si);
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      if (part.empty()) return false;
      std::string decoded;
      try {
        Poco::URI::decode(std::string(part), decoded);
      } catch (const Poco::Exception&) {
        return false;  // a bad escape matches no route: 404
      }
      // Nor does a value that is not UTF-8 text: no id holds one, and a store must never see
      // it (PostgreSQL refuses such bytes with an error, not a miss).
      if (!engine::Utf8::valid(decoded) || engine::Utf8::hasControl(decoded, false)) return false;
      params.emplace_back(std::string(seg.substr(1, seg.size() - 2)), decoded);
    } else if (seg != part) {
      return false;
    }
    pi = pe + 1;
    si = se + 1;
  }
  return si > path.size();
}

namespace {
// 0 for a literal segment, 1 for `{name}`, 2 for `{*name}` (the rest of the path).
int kindOf(std::string_view seg) {
  if (seg.size() > 3 && seg.substr(0, 2) == "{*") return 2;
  if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') return 1;
  return 0;
}
}  // namespace

bool Router::moreSpecific(const std::string& a, const std::string& b) {
  size_t ai = 1, bi = 1;
  while (ai <= a.size() && bi <= b.size()) {
    size_t ae = a.find('/', ai), be = b.find('/', bi);
    if (ae == std::string::npos) ae = a.size();
    if (be == std::string::npos) be = b.size();
    int ka = kindOf(std::string_view(a).substr(ai, ae - ai));
    int kb = kindOf(std::string_view(b).substr(bi, be - bi));
    if (ka != kb) return ka < kb;
    ai = ae + 1;
    bi = be + 1;
  }
  return false;
}

Router::Match Router::find(Exchange& ex, const Route*& route) const {
  // Of the patterns that take this path, the most specific one owns it: a literal segment
  // beats a `{name}` at the first place they differ, so GET /v1/keys/verify is a method that
  // /v1/keys/verify does not allow (405), never a key called "verify".
  const std::string* best = nullptr;
  for (const auto& r : _routes) {
    std::vector<std::pair<std::string, std::string>> params;
    if (!bind(r.pattern, ex.path(), params)) continue;
    if (!best || moreSpecific(r.pattern, *best)) best = &r.pattern;
  }
  if (!best) return Match::NoPath;
  std::string allow;
  for (const auto& r : _routes) {
    if (r.pattern != *best) continue;
    if (r.method == ex.method()) {
      std::vector<std::pair<std::string, std::string>> params;
      bind(r.pattern, ex.path(), params);
      ex.params() = std::move(params);
      route = &r;
      return Match::Found;
    }
    if (allow.find(r.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + r.method;
  }
  // RFC 9110 §15.5.6: a 405 carries Allow.
  ex.response().set("Allow", allow);
  return Match::NoMethod;
}

}  // namespace keywarden::api
