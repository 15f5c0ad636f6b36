#include "app/AcceptPauses.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Thread.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

namespace keywarden::app {

bool AcceptPauses::onAcceptThread() {
  const Poco::Thread* t = Poco::Thread::current();  // null on the main thread
  return t && t->getName().rfind("TCPServer: ", 0) == 0;
}

bool AcceptPauses::outOfResources(int code) {
  return code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM;
}

void AcceptPauses::exception(const Poco::Exception& e) {
  if (!outOfResources(e.code()) || !onAcceptThread()) return;
  uint64_t n = _pauses.fetch_add(1, std::memory_order_relaxed) + 1;
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  int64_t last = _loggedMs.load(std::memory_order_relaxed);
  if ((last == 0 || now - last >= kLogEveryMs) &&
      _loggedMs.compare_exchange_strong(last, now, std::memory_order_relaxed))
    Poco::Logger::get("keywarden")
        .warning(
            "http.port: cannot accept a connection (%s): not accepting for %d ms at a "
            "time; %s such pauses so far (keywarden_accept_pauses_total)",
            e.displayText(), kPauseMs, std::to_string(n));
  std::this_thread::sleep_for(std::chrono::milliseconds(kPauseMs));
}

}  // namespace keywarden::app
