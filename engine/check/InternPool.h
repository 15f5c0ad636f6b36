#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "engine/model/Grants.h"

namespace keywarden::engine {

// Interned values for the check path's cache: every key of one tenant, client or meta text,
// and every key with the same grants, points at one shared copy. Entries are never freed, so
// a pointer stays valid for the life of the process (the set of distinct values is small next
// to the number of keys). Thread-safe.
class InternPool {
 public:
  const std::string* string(const std::string& s) {
    std::lock_guard<std::mutex> lock(_m);
    return &*_strings.insert(s).first;
  }
  const Grants* grants(const Grants& g) {
    std::string k;
    for (const auto* list : {&g.scopes, &g.apis, &g.groups}) {
      for (const auto& s : *list) k.append(s).push_back('\x1f');
      k.push_back('\x1e');
    }
    std::lock_guard<std::mutex> lock(_m);
    auto& slot = _grants[k];
    if (!slot) slot = std::make_unique<const Grants>(g);
    return slot.get();
  }

 private:
  std::mutex _m;
  std::unordered_set<std::string> _strings;
  std::unordered_map<std::string, std::unique_ptr<const Grants>> _grants;
};

}  // namespace keywarden::engine
