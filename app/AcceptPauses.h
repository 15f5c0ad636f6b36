#pragma once

#include <Poco/ErrorHandler.h>

#include "api/AcceptPauseCounter.h"

#include <cstdint>

namespace keywarden::app {

// Poco's error handler for the whole process, installed by Server: it backs off http.port's
// and https.port's accept threads when the process is out of descriptors or memory.
//
// Poco 1.11's TCPServer::run polls the listening socket and, when acceptConnection() throws,
// hands the exception to Poco::ErrorHandler and polls again at once: with EMFILE the pending
// connection stays in the backlog, the socket stays readable and the thread spins (as
// gateway.port's loops did). This handler, called on that thread, sleeps kPauseMs when the
// exception's code is EMFILE, ENFILE, ENOBUFS or ENOMEM, counts the pause (for /metrics) and
// logs one line at most a minute (api/AcceptPauseCounter). Only TCPServer's accept threads (Poco
// names them "TCPServer: <address>") pause: Poco calls the handler under one process-wide lock, so
// a request thread sleeping there would hold its connection's descriptor and queue every other
// thread behind it. Any other exception, or one on another thread, is ignored, as Poco's
// default handler does in a release build.
//
// Thread-safety: every member may be called from any thread.
class AcceptPauses : public Poco::ErrorHandler {
 public:
  static constexpr int kPauseMs = 100;

  void exception(const Poco::Exception& e) override;
  void exception(const std::exception&) override {}
  void exception() override {}

  // Pauses taken since the start.
  uint64_t pauses() const { return _counter.total(); }
  // True for the error codes above.
  static bool outOfResources(int code);
  // True on one of Poco TCPServer's accept threads.
  static bool onAcceptThread();

 private:
  api::AcceptPauseCounter _counter{"http.port"};
};

}  // namespace keywarden::app
