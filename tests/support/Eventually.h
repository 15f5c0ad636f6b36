#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <thread>

namespace keywarden::test {

// Waits for `cond` to hold, asking every `stepMs`, for at most `timeoutMs`; returns whether it
// held (then at once). For what the server does in its own time — a job falling due, a mail
// going out, a link expiring — in place of a fixed sleep followed by an assertion, which is
// slow on a quiet machine and flaky on a loaded one.
template <typename F>
bool eventually(F cond, int timeoutMs = 15000, int stepMs = 20) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(stepMs));
  }
  return true;
}

// The wall clock in ms, as the server reads it (time() may lag it by a few ms: glibc reads
// the coarse clock).
inline int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sleeps until the wall clock has passed `epochSeconds` (a time the test wrote into the data).
inline void sleepPast(time_t epochSeconds) {
  while (epochMs() <= epochSeconds * 1000LL)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace keywarden::test
