#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace keywarden::engine {

// What failed attempts are counted under: a client address in its canonical text
// ("203.0.113.7", an IPv6 source as its /64: "2001:db8:1:2::/64") or a key's public start
// ("kw_AbCd", contract §3). At most kMax bytes, held inline: making one allocates nothing.
class AttemptKey {
 public:
  static constexpr size_t kMax = 48;

  AttemptKey() = default;
  // Truncated to kMax bytes.
  explicit AttemptKey(std::string_view text) { set(text); }
  void set(std::string_view text) {
    _n = static_cast<uint8_t>(text.size() < kMax ? text.size() : kMax);
    std::memcpy(_c, text.data(), _n);
  }
  std::string_view view() const { return {_c, _n}; }
  bool empty() const { return _n == 0; }

  // The public start of a presented key, as a key's `start` reads (contract §3: the prefix,
  // '_' and the first 4 payload characters): `kw_AbCd`. False when `key` does not begin like a
  // key (1-16 of a-z0-9, '_', 4 base62 characters): nothing to count it under.
  static bool startOf(std::string_view key, AttemptKey& out) {
    size_t u = 0;
    while (u < key.size() && u <= 16 &&
           ((key[u] >= 'a' && key[u] <= 'z') || (key[u] >= '0' && key[u] <= '9')))
      ++u;
    if (u == 0 || u > 16 || u + 5 > key.size() || key[u] != '_') return false;
    for (size_t i = u + 1; i < u + 5; ++i) {
      char c = key[i];
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
        return false;
    }
    out.set(key.substr(0, u + 5));
    return true;
  }

 private:
  char _c[kMax] = {};
  uint8_t _n = 0;
};

}  // namespace keywarden::engine
