#pragma once

#include <string>
#include <vector>

namespace keywarden::engine {

// What a key may call: its scopes, and the APIs and groups granted to it. Immutable once in
// the check path's cache, where keys with equal grants share one instance.
struct Grants {
  std::vector<std::string> scopes;
  std::vector<std::string> apis;
  std::vector<std::string> groups;

  bool unrestricted() const { return scopes.empty() && apis.empty() && groups.empty(); }
  bool operator==(const Grants& o) const {
    return scopes == o.scopes && apis == o.apis && groups == o.groups;
  }
};

}  // namespace keywarden::engine
