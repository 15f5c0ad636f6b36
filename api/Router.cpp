#include "api/Router.h"

#include <Poco/URI.h>

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
      params.emplace_back(std::string(seg.substr(1, seg.size() - 2)), decoded);
    } else if (seg != part) {
      return false;
    }
    pi = pe + 1;
    si = se + 1;
  }
  return si > path.size();
}

Router::Match Router::find(Exchange& ex, const Route*& route) const {
  bool pathSeen = false;
  for (const auto& r : _routes) {
    std::vector<std::pair<std::string, std::string>> params;
    if (!bind(r.pattern, ex.path(), params)) continue;
    pathSeen = true;
    if (r.method != ex.method()) continue;
    ex.params() = std::move(params);
    route = &r;
    return Match::Found;
  }
  return pathSeen ? Match::NoMethod : Match::NoPath;
}

}  // namespace keywarden::api
