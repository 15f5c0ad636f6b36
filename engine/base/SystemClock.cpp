#include "engine/base/SystemClock.h"

#include <chrono>

namespace keywarden::engine {

int64_t SystemClock::nowMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace keywarden::engine
