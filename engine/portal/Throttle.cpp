#include "engine/portal/Throttle.h"

namespace keywarden::engine::portal {

bool Throttle::allow(const std::string& key, int64_t now) {
  std::lock_guard<std::mutex> lock(_mutex);
  auto it = _windows.find(key);
  if (it == _windows.end()) {
    if (_windows.size() >= _maxKeys) {
      for (auto w = _windows.begin(); w != _windows.end();)
        w = now - w->second.start >= _windowMs ? _windows.erase(w) : std::next(w);
      if (_windows.size() >= _maxKeys) return false;
    }
    it = _windows.emplace(key, Window{now, 0}).first;
  }
  Window& w = it->second;
  if (now - w.start >= _windowMs || now < w.start) w = Window{now, 0};
  if (w.count >= _limit) return false;
  ++w.count;
  return true;
}

int64_t Throttle::retryAfterMs(const std::string& key, int64_t now) const {
  std::lock_guard<std::mutex> lock(_mutex);
  auto it = _windows.find(key);
  if (it == _windows.end() || it->second.count < _limit) return 0;
  int64_t left = it->second.start + _windowMs - now;
  return left > 0 ? left : 0;
}

}  // namespace keywarden::engine::portal
