#include "api/HttpConnection.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/NetException.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <istream>
#include <memory>
#include <optional>

#include "api/PageSecurity.h"
#include "api/RawHeaderCheck.h"
#include "api/RecordingSocketImpl.h"
#include "api/RequestId.h"

namespace keywarden::api {

using Poco::Net::HTTPMessage;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequestImpl;
using Poco::Net::HTTPServerResponseImpl;
using Poco::Net::HTTPServerSession;

namespace {
// The most bytes a request line and header may take (with any empty lines before them), so
// that their raw copy stays bounded; 431 beyond.
constexpr size_t kMaxHeaderBytes = 64 * 1024;

// Poco's session, with how many received bytes it holds but has not handed out yet: the
// number of the next byte Poco parses is RecordingSocketImpl::received() - buffered().
class CountingSession : public HTTPServerSession {
 public:
  using HTTPServerSession::HTTPServerSession;
  using Poco::Net::HTTPSession::buffered;
};

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
    res.set("X-Request-Id", RequestId::choose(""));  // a refused head's own id is not trusted
    PageSecurity::set(res);  // a browser may show it: the same headers as every page
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
  // The session reads through a recorder so that each request's raw header can be checked
  // (RawHeaderCheck): Poco's parsed header has lost what two parsers could read differently.
  auto* recorder = new RecordingSocketImpl(socket(), kMaxHeaderBytes);
  Poco::Net::StreamSocket recording(recorder);  // owns the recorder
  CountingSession session(recording, _params);
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
    // Bytes before this request (earlier requests and their bodies) need not be kept.
    const uint64_t start = recorder->received() - static_cast<uint64_t>(session.buffered());
    recorder->keepFrom(start);
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
    // Poco consumed exactly the request line and header (its header stream reads line by
    // line and stops at the empty line): [start, end) are their raw bytes.
    const uint64_t end = recorder->received() - static_cast<uint64_t>(session.buffered());
    // The watchdog cut the read: Poco reads the end of the stream as the end of the header, so
    // the header may be incomplete.
    std::optional<FramingRefusal> refusal;
    if (slot.fired)
      refusal = RequestFraming::fromParseError(Poco::TimeoutException("header"), true);
    else
      refusal = RequestFraming::check(*request);
    if (!refusal) {
      if (const char* raw = recorder->view(start, end))
        refusal = RawHeaderCheck::check(raw, static_cast<size_t>(end - start));
      else if (end - start > kMaxHeaderBytes)
        refusal = FramingRefusal{431, "HEADERS_TOO_LARGE",
                                 "the request line and header are longer than 65536 bytes", ""};
      else
        refusal = FramingRefusal{400, "BAD_REQUEST",
                                 "the request's header could not be checked: the bytes before "
                                 "it were not framed by a Content-Length",
                                 ""};
    }
    if (refusal) {
      refuse(session, slot, *refusal);
      break;
    }
    // The body's deadline stays armed while the handler runs (it reads the body itself): a
    // handler slower than http.bodyTimeout still answers, then the connection closes.
    const bool body = request->hasContentLength() && request->getContentLength64() > 0;
    // The next request starts after this one's body (framed by Content-Length only: chunked
    // bodies are refused above); its bytes are kept from there, a body's are not.
    recorder->keepFrom(end + (body ? static_cast<uint64_t>(request->getContentLength64()) : 0));
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
