#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/Exchange.h"

namespace keywarden::api {

// Maps (method, path) to a handler. Patterns are literal segments and `{name}` segments;
// a pattern ending in `/{*name}` takes the rest of the path. Built once at start-up, then
// read-only (thread-safe for lookups).
class Router {
 public:
  using Handler = std::function<void(Exchange&)>;
  struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    size_t index;  // dense, for metrics
  };
  enum class Match { Found, NoPath, NoMethod };

  void add(const std::string& method, const std::string& pattern, Handler h);
  // On Found, `route` is set and the exchange's params are bound. When several patterns take
  // the path, the most specific owns it (a literal segment beats `{name}`, which beats
  // `{*name}`). On NoMethod the response's Allow header lists that pattern's methods.
  Match find(Exchange& ex, const Route*& route) const;
  const std::vector<Route>& routes() const { return _routes; }
  // The pattern of route `index`, for metric labels.
  const std::string& patternOf(size_t index) const { return _patterns[index]; }
  size_t patternCount() const { return _patterns.size(); }
  size_t indexOfPattern(const std::string& pattern);

 private:
  // True when `a` is more specific than `b` at the first segment where they differ in kind.
  static bool moreSpecific(const std::string& a, const std::string& b);
  static bool bind(const std::string& pattern, std::string_view path,
                   std::vector<std::pair<std::string, std::string>>& params);
  std::vector<Route> _routes;
  std::vector<std::string> _patterns;
};

}  // namespace keywarden::api
