#pragma once

#include <array>
#include <string>
#include <vector>

#include "engine/check/InternPool.h"
#include "engine/model/Key.h"

namespace keywarden::engine {

// The last few values a bulk load interned, so that a million keys of a handful of tenants,
// clients and grants cost a comparison each instead of a lock, a hash and (for grants) a copy
// of three lists in the InternPool. Returns the pool's own pointers. Not thread-safe: one per
// load, on the loading thread.
class InternMemo {
 public:
  explicit InternMemo(InternPool& pool) : _pool(pool) {}

  const std::string* string(const std::string& s) {
    for (const auto& m : _strings)
      if (m.interned && *m.interned == s) return m.interned;
    auto& m = _strings[_nextString++ % _strings.size()];
    m.interned = _pool.string(s);
    return m.interned;
  }

  const Grants* grants(const Key& k) {
    for (const auto* g : _grants)
      if (g && g->scopes == k.scopes && g->apis == k.apis && g->groups == k.groups) return g;
    const Grants* g = _pool.grants(Grants{k.scopes, k.apis, k.groups});
    _grants[_nextGrants++ % _grants.size()] = g;
    return g;
  }

 private:
  struct Str {
    const std::string* interned = nullptr;
  };
  InternPool& _pool;
  std::array<Str, 8> _strings{};
  std::array<const Grants*, 4> _grants{};
  size_t _nextString = 0, _nextGrants = 0;
};

}  // namespace keywarden::engine
