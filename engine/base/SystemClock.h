#pragma once

#include "engine/base/Clock.h"

namespace keywarden::engine {

// The wall clock (std::chrono::system_clock).
class SystemClock : public Clock {
 public:
  int64_t nowMs() const override;
};

}  // namespace keywarden::engine
