#include "app/AcceptPauses.h"

#include <Poco/Exception.h>
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
  _counter.count(e.displayText(), kPauseMs);
  std::this_thread::sleep_for(std::chrono::milliseconds(kPauseMs));
}

}  // namespace keywarden::app
