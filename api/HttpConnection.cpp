#include "api/HttpConnection.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/NetException.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <istream>
#include <memory>

namespace keywarden::api {

using Poco::Net::HTTPMessage;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequestImpl;
using Poco::Net::HTTPServerResponseImpl;
using Poco::Net::HTTPServerSession;

namespace {
// Reads what a handler left of a request body, up to `bound` bytes. True when the body ended.
bool drain(std::istream& in, size_t bound) {
  char buf[8192];
  size_t seen = 0;
  try {
    while (in && seen <= bound) {
      in.read(buf, sizeof buf);
      seen += static_cast<size_t>(in.gcount());
    }
    return in.eof() && seen <= bound;
  } catch (...) {
    return false;
  }
}
}  // namespace

HttpConnection::HttpConnection(const Poco::Net::StreamSocket& socket,
                               Poco::Net::HTTPServerParams::Ptr params,
                               Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                               ConnectionWatchdog& watchdog, HttpLimits limits)
    : Poco::Net::TCPServerConnection(socket),
      _params(std::move(params)),
      _handlers(std::move(handlers)),
      _watchdog(watchdog),
      _limits(limits) {}

void HttpConnection::refuse(HTTPServerSession& session, ConnectionWatchdog::Slot& slot,
                            const FramingRefusal& r) {
  try {
    HTTPServerResponseImpl res(session);
    res.setVersion(HTTPMessage::HTTP_1_1);
    res.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(r.status));
    res.setKeepAlive(false);
    res.setContentType("application/json");
    res.set("X-Keywarden-Code", r.code);
    const std::string body = r.json();
    res.setContentLength(static_cast<std::streamsize>(body.size()));
    std::ostream& out = res.send();
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.flush();  // the answer must be on the wire before the send side is shut down
    session.setKeepAlive(false);
    socket().shutdownSend();
    // Lingering close, bounded by the watchdog (at most a second) and 1 MiB.
    slot.deadlineMs =
        ConnectionWatchdog::nowMs() + std::min<int64_t>(1000, _limits.headerTimeoutMs);
    char buf[16384];
    size_t seen = 0;
    while (!slot.fired && seen < (1u << 20)) {
      int n = socket().receiveBytes(buf, sizeof buf);
      if (n <= 0) break;
      seen += static_cast<size_t>(n);
    }
  } catch (...) {
    // The client is gone or too slow: nothing more to say to it.
  }
  slot.deadlineMs = 0;
}

bool HttpConnection::nextRequest(HTTPServerSession& session, ConnectionWatchdog::Slot& slot) {
  const int64_t until = ConnectionWatchdog::nowMs() + _limits.keepAliveMs;
  while (true) {
    if (session.hasMoreRequests()) return true;  // bytes (or the end) arrived within a slice
    if (!session.getKeepAlive() || _watchdog.stopping() || slot.fired) return false;
    if (ConnectionWatchdog::nowMs() >= until) return false;
    if (_watchdog.connections() >= _limits.maxThreads) return false;  // others wait for a thread
  }
}

void HttpConnection::run() {
  ConnectionWatchdog::Slot slot(socket().impl()->sockfd());
  slot.deadlineMs = ConnectionWatchdog::nowMs() + _limits.headerTimeoutMs;
  ConnectionWatchdog::Registration registration(_watchdog, slot);
  const std::string server = _params->getSoftwareVersion();
  HTTPServerSession session(socket(), _params);
  bool first = true;
  while (!_watchdog.stopping() && !slot.fired &&
         (first ? session.hasMoreRequests() : nextRequest(session, slot))) {
    // The first request's clock started at the accept; a later one's starts with its first byte.
    if (!first) slot.deadlineMs = ConnectionWatchdog::nowMs() + _limits.headerTimeoutMs;
    first = false;
    std::lock_guard<std::mutex> busy(slot.busy);
    if (_watchdog.stopping()) break;
    HTTPServerResponseImpl response(session);
    std::unique_ptr<HTTPServerRequestImpl> request;
    try {
      request = std::make_unique<HTTPServerRequestImpl>(response, session, _params.get());
    } catch (const Poco::Net::NoMessageException&) {
      break;  // the client closed the connection between requests
    } catch (const Poco::Exception& e) {
      // Poco's istream swallows a read error and reports a malformed header instead; the
      // session keeps the real cause.
      const Poco::Exception* cause = session.networkException();
      bool timedOut = slot.fired || dynamic_cast<const Poco::TimeoutException*>(&e) ||
                      dynamic_cast<const Poco::TimeoutException*>(cause);
      bool parseError = dynamic_cast<const Poco::Net::MessageException*>(&e) ||
                        dynamic_cast<const Poco::SyntaxException*>(&e);
      if (timedOut || (parseError && !cause))
        refuse(session, slot, RequestFraming::fromParseError(e, timedOut));
      break;  // otherwise the connection failed (reset, TLS error): nobody to answer
    }
    if (auto refusal = RequestFraming::check(*request)) {
      refuse(session, slot, *refusal);
      break;
    }
    // The body's deadline stays armed while the handler runs (it reads the body itself): a
    // handler slower than http.bodyTimeout still answers, then the connection closes.
    const bool body = request->hasContentLength() && request->getContentLength64() > 0;
    slot.deadlineMs = body ? ConnectionWatchdog::nowMs() + _limits.bodyTimeoutMs : 0;

    response.setDate(Poco::Timestamp());
    response.setVersion(request->getVersion());
    response.setKeepAlive(_params->getKeepAlive() && request->getKeepAlive() &&
                          session.canKeepAlive());
    if (!server.empty()) response.set("Server", server);
    try {
      std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(
          _handlers->createRequestHandler(*request));
      if (!handler) {
        refuse(session, slot, {501, "NOT_IMPLEMENTED", "no handler for this request", ""});
        break;
      }
      if (request->getExpectContinue() && response.getStatus() == HTTPResponse::HTTP_OK)
        response.sendContinue();
      handler->handleRequest(*request, response);
      session.setKeepAlive(_params->getKeepAlive() && response.getKeepAlive() &&
                           session.canKeepAlive());
    } catch (const Poco::Exception&) {
      if (!response.sent()) {
        try {
          refuse(session, slot, {500, "INTERNAL", "the request failed; see the server log", ""});
        } catch (...) {
        }
      }
      break;
    }
    // A body the handler did not read would be parsed as the next request: drop it or close.
    if (body && session.getKeepAlive() && !drain(request->stream(), _limits.maxBodyBytes))
      session.setKeepAlive(false);
    slot.deadlineMs = 0;
  }
}

}  // namespace keywarden::api
