#pragma once

#include <atomic>

#include "engine/base/Clock.h"

namespace keywarden::engine {

// A clock that moves only when told to; for tests.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t startMs) : _now(startMs) {}
  int64_t nowMs() const override { return _now.load(); }
  void set(int64_t ms) { _now.store(ms); }
  void advance(int64_t ms) { _now.fetch_add(ms); }

 private:
  std::atomic<int64_t> _now;
};

}  // namespace keywarden::engine
