#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace keywarden::engine::portal {

// Counts attempts per key (an e-mail address, a client address) in fixed windows of
// `windowMs` and refuses past `limit` per window. Held in memory, per instance: with several
// instances each counts on its own. Memory is bounded: windows that ended are dropped when the
// table grows past `maxKeys`, and past that a new key is refused (fail closed). Thread-safe.
class Throttle {
 public:
  Throttle(int limit, int64_t windowMs, size_t maxKeys = 100000)
      : _limit(limit), _windowMs(windowMs), _maxKeys(maxKeys) {}
  // Counts one attempt for `key` at `now`; false when it is over the limit (not counted then).
  bool allow(const std::string& key, int64_t now);
  // How long until `key` may try again (ms; 0 when it may now).
  int64_t retryAfterMs(const std::string& key, int64_t now) const;

 private:
  struct Window {
    int64_t start = 0;
    int count = 0;
  };
  const int _limit;
  const int64_t _windowMs;
  const size_t _maxKeys;
  mutable std::mutex _mutex;
  std::unordered_map<std::string, Window> _windows;  // guarded by _mutex
};

}  // namespace keywarden::engine::portal
