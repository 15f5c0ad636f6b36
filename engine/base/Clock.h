#pragma once

#include <cstdint>

namespace keywarden::engine {

// The source of time for everything in the engine. Milliseconds since the Unix epoch, UTC.
// Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t nowMs() const = 0;
};

}  // namespace keywarden::engine
