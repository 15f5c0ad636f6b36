#pragma once

#include <cstdint>

namespace keywarden::engine {

// A fixed-window request counter for one key: at most `limit` admitted calls per window of
// `windowMs`, the window starting at the first call after the previous one ended.
// Not thread-safe; the owner serialises access.
class RateWindow {
 public:
  // Whether one more call fits at `now`. Does not count it.
  bool fits(int64_t limit, int64_t windowMs, int64_t now) const {
    if (limit <= 0 || windowMs <= 0) return true;
    return now >= _start + windowMs || _count < limit;
  }
  // Counts an admitted call at `now`; returns the start of the window it was counted in.
  int64_t count(int64_t windowMs, int64_t now) {
    if (now >= _start + windowMs) {
      _start = now;
      _count = 0;
    }
    ++_count;
    return _start;
  }
  // Takes back a call counted in the window that started at `start` (its quota refused it).
  void uncount(int64_t start) {
    if (_start == start && _count > 0) --_count;
  }
  // Milliseconds until a call would fit again (0 if one fits now).
  int64_t retryAfterMs(int64_t limit, int64_t windowMs, int64_t now) const {
    return fits(limit, windowMs, now) ? 0 : _start + windowMs - now;
  }

 private:
  int64_t _start = INT64_MIN / 2;
  int64_t _count = 0;
};

}  // namespace keywarden::engine
