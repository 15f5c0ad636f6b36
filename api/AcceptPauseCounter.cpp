#include "api/AcceptPauseCounter.h"

#include <Poco/Logger.h>

#include <chrono>

namespace keywarden::api {

void AcceptPauseCounter::count(const std::string& cause, int pauseMs) {
  uint64_t n = _total.fetch_add(1, std::memory_order_relaxed) + 1;
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  int64_t last = _loggedMs.load(std::memory_order_relaxed);
  if (last != 0 && now - last < kLogEveryMs) return;
  if (!_loggedMs.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
  Poco::Logger::get("keywarden")
      .warning(
          "%s: cannot accept a connection (%s): not accepting for %d ms at a time; %s such "
          "pauses so far (keywarden_accept_pauses_total)",
          _setting, cause, pauseMs, std::to_string(n));
}

}  // namespace keywarden::api
