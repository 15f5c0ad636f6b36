#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/model/ApiDef.h"
#include "engine/model/Grants.h"
#include "engine/model/Group.h"
#include "engine/text/PathPattern.h"

namespace keywarden::engine {

// An immutable, compiled snapshot of the registered APIs and groups, rebuilt on every change
// and shared by the check path. Thread-safe once built.
class ApiCatalog {
 public:
  ApiCatalog(const std::vector<ApiDef>& apis, const std::vector<Group>& groups);

  // Whether a key of `tenant` holding `grants` may call `method path` (contract §4 "What a key
  // may call"). REQUIRES: !method.empty() && !path.empty().
  bool allows(const Grants& grants, const std::string& tenant, std::string_view method,
              std::string_view path) const;

 private:
  struct Compiled {
    ApiDef def;
    PathPattern pattern;
  };
  bool granted(const Grants& grants, const Compiled& api) const;

  std::unordered_map<std::string, std::vector<Compiled>> _byTenant;
  std::unordered_map<std::string, std::unordered_set<std::string>> _groups;  // group -> api ids
};

// True when `held` grants `wanted`: equal, or `held` ends in `*` and `wanted` starts with the rest
// (`orders:*` holds `orders:read`; `*` holds everything).
bool scopeHolds(std::string_view held, std::string_view wanted);
bool holdsScope(const Grants& grants, std::string_view wanted);

}  // namespace keywarden::engine
