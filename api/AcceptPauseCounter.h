#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace keywarden::api {

// Counts the moments a listener stopped accepting because the process was out of descriptors
// or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM: gateway.port's loops and, through app's Poco
// error handler, http.port's accept threads), for keywarden_accept_pauses_total, and logs one
// warning line at most every kLogEveryMs naming the port setting, the cause and the count.
// Thread-safety: every member may be called from any thread.
class AcceptPauseCounter {
 public:
  static constexpr int64_t kLogEveryMs = 60000;

  // `setting`: the listener's setting as the log line names it ("gateway.port").
  explicit AcceptPauseCounter(std::string setting) : _setting(std::move(setting)) {}

  // One pause of `pauseMs` for `cause` (the error's text).
  void count(const std::string& cause, int pauseMs);
  // Pauses since the start.
  uint64_t total() const { return _total.load(std::memory_order_relaxed); }

 private:
  const std::string _setting;
  std::atomic<uint64_t> _total{0};
  std::atomic<int64_t> _loggedMs{0};
};

}  // namespace keywarden::api
