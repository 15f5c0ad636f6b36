#include "engine/check/ApiCatalog.h"

#include <strings.h>
#include <algorithm>

namespace keywarden::engine {

bool scopeHolds(std::string_view held, std::string_view wanted) {
  if (!held.empty() && held.back() == '*') {
    held.remove_suffix(1);
    return wanted.substr(0, held.size()) == held;
  }
  return held == wanted;
}

bool holdsScope(const Grants& grants, std::string_view wanted) {
  for (const auto& s : grants.scopes)
    if (scopeHolds(s, wanted)) return true;
  return false;
}

ApiCatalog::ApiCatalog(const std::vector<ApiDef>& apis, const std::vector<Group>& groups) {
  for (const auto& a : apis) _byTenant[a.tenant].push_back({a, PathPattern(a.path)});
  for (auto& [tenant, list] : _byTenant) {
    // Most specific first, so results read naturally; correctness does not depend on order.
    std::stable_sort(list.begin(), list.end(), [](const Compiled& x, const Compiled& y) {
      return x.pattern.specificity() > y.pattern.specificity();
    });
  }
  for (const auto& g : groups) _groups[g.id] = {g.apis.begin(), g.apis.end()};
}

bool ApiCatalog::granted(const Grants& key, const Compiled& api) const {
  const std::string& id = api.def.id;
  if (std::find(key.apis.begin(), key.apis.end(), id) != key.apis.end()) return true;
  for (const auto& g : key.groups) {
    auto it = _groups.find(g);
    if (it != _groups.end() && it->second.count(id)) return true;
  }
  if (api.def.scopes.empty()) return false;
  for (const auto& s : api.def.scopes)
    if (!holdsScope(key, s)) return false;
  return true;
}

bool ApiCatalog::allows(const Grants& key, const std::string& tenant, std::string_view method,
                        std::string_view path) const {
  bool unrestricted = key.unrestricted();
  auto it = _byTenant.find(tenant);
  if (it == _byTenant.end()) return unrestricted;
  bool matchedAny = false;
  for (const auto& c : it->second) {
    const std::string& m = c.def.method;
    bool methodOk = m == "*" || (m.size() == method.size() &&
                                 strncasecmp(m.data(), method.data(), m.size()) == 0);
    if (!methodOk || !c.pattern.matches(path)) continue;
    matchedAny = true;
    if (unrestricted || granted(key, c)) return true;
  }
  return !matchedAny && unrestricted;
}

}  // namespace keywarden::engine
