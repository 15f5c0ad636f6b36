#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/GatewayAnswer.h"
#include "api/RawHeaderCheck.h"
#include "api/RequestFraming.h"
#include "api/gateway/GatewayEndpoints.h"

namespace keywarden::api::gateway {

// The limits of the event-driven listener: the http.* settings, read the same way as on
// http.port (README "Configuration").
struct GatewayLimits {
  int64_t headerTimeoutMs = 5000;  // accept (or a later request's first byte) → end of header
  int64_t bodyTimeoutMs = 10000;   // end of header → end of body
  int64_t keepAliveMs = 10000;     // idle between requests
  size_t maxBodyBytes = 1 << 20;   // larger bodies: 413 (verify), connection closed
  static constexpr size_t kMaxHeaderBytes = 64 * 1024;  // request line and header; 431 beyond
};

// One HTTP/1.1 connection of the event-driven listener, without any I/O of its own: the loop
// hands it the bytes received, it answers every complete request among them (keep-alive and
// pipelining: several requests in one read are answered in order) and says when it must be
// woken (deadline) and whether the connection must close once its answers are written.
//
// Each request is read as on http.port (api/HttpConnection), by the same classes:
// - the raw request line and header, up to their empty line, are checked by RawHeaderCheck
//   (which also yields the fields: no second parser that could read them otherwise), then by
//   Poco 1.11's own limits (100 fields: 431; a name over 256 or a value over 8192 bytes, a
//   method over 32, a target over 16384 bytes: 400), then by RequestFraming; a header over
//   64 KiB is 431. Every refusal is the same JSON answer with X-Keywarden-Code, then the
//   connection closes;
// - the first request must be complete within http.headerTimeout of the accept, a later one
//   within http.headerTimeout of its first byte (else 408, or a silent close when nothing came),
//   an idle connection is closed after http.keepAliveTimeout, a verify body must arrive within
//   http.bodyTimeout of its header (else 400 BAD_FRAMING); other requests' bodies are skipped.
// Allocation: none per request once the output string and the thread's answer have grown (a
// verify answer builds its JSON). Not thread-safe: one loop owns it.
class GatewayConnection {
 public:
  GatewayConnection(GatewayEndpoints& endpoints, const GatewayLimits& limits, int64_t nowMs);

  // Consumes requests from `data` (the bytes received and not consumed yet, oldest first) and
  // appends their answers to `out`. Returns how many bytes were consumed; the caller keeps the
  // rest and passes them again, with what follows, next time. `date` is the current IMF-fixdate.
  size_t onInput(const char* data, size_t size, int64_t nowMs, std::string_view date,
                 std::string& out);
  // Call when deadline() has passed (with the bytes not consumed yet): appends a 408 or 400
  // when a request was under way, and the connection closes.
  void onDeadline(const char* data, size_t size, std::string_view date, std::string& out);
  // The connection's peer, handed to the checks with each request (who the client is).
  void setPeer(const IpAddress& peer) { _peer = peer; }
  // True when the last onInput stopped at a request whose answer needs the database (its
  // endpoint threw NoBlockingStore::WouldBlock on the loop's thread): the bytes from that
  // request on were not consumed. Until resume(), the connection must not be fed or woken.
  bool parked() const { return _parked; }
  // Answers the parked request (the first one in `data`, the bytes onInput did not consume)
  // on a thread that may wait for the database, and unparks; returns the bytes consumed. The
  // requests pipelined behind it are left for onInput, back on the loop.
  size_t resume(const char* data, size_t size, int64_t nowMs, std::string_view date,
                std::string& out);
  // When to call onDeadline (steady milliseconds).
  int64_t deadline() const { return _deadline; }
  // True once the connection must close after `out` has been written; the bytes received
  // from then on are read and dropped for a moment (lingering close, as on http.port).
  bool closing() const { return _closing; }
  // True when the close should be graceful (a refusal was answered): shut the send side down,
  // read and drop what the client still sends for up to a second, then close.
  bool linger() const { return _linger; }

 private:
  enum class Step { NeedMore, Answered, Closed, Parked };
  Step one(const char* data, size_t size, int64_t nowMs, std::string_view date, std::string& out,
           size_t& used);
  // The steps of one(), in its order.
  // Drops the next bytes of a body already answered (`_skip`); `used` is set.
  Step skipBody(size_t size, int64_t nowMs, size_t& used);
  // Starts the clocks of a request whose first bytes just arrived.
  void beginRequest(int64_t nowMs);
  // The checks of the request line and header (`block` bytes), in http.port's order; false,
  // with the refusal written to `out`, when one refuses (the connection then closes).
  bool headAccepted(const char* data, size_t block, std::string_view date, std::string& out);
  // Whether the `length` bytes of a verify body are here (`available`); while not, arms the
  // body deadline and sends 100 Continue when the client waits for it.
  bool bodyArrived(const RawHeaderCheck::Head& h, size_t available, int64_t length, int64_t nowMs,
                   std::string& out);
  // Bytes the answered request used: its head, its body when needed, and what is here of a
  // body it did not need (the rest is skipped later, or `keepAlive` turns false).
  size_t consumed(size_t block, size_t size, int64_t length, bool bodyUsed, bool tooLarge,
                  bool needsBody, int64_t nowMs, bool& keepAlive);
  // After the answer: the next request's clock, or the close.
  Step finish(bool keepAlive, int64_t nowMs);
  void refuse(const FramingRefusal& r, std::string_view version, std::string_view date,
              std::string& out);
  // `requestId`: sent as X-Request-Id when not empty.
  void write(const GatewayAnswer& a, std::string_view version, bool keepAlive,
             std::string_view date, std::string& out, std::string_view requestId = {});

  GatewayEndpoints& _endpoints;
  const GatewayLimits& _limits;
  // The parsed header and the answer under way are the loop thread's (scratch()), not the
  // connection's: an idle connection costs a few hundred bytes, not the 3 KiB of a Head.
  struct Scratch {
    RawHeaderCheck::Head head;
    GatewayAnswer answer;
    char requestId[16];  // a request id made for the answer under way
  };
  static Scratch& scratch();
  IpAddress _peer;
  int64_t _deadline = 0;
  int64_t _started = 0;     // when the request under way began (for the latency metric)
  bool _first = true;       // no request seen yet: its clock started at the accept
  bool _inRequest = false;  // bytes of a request have arrived, it is not answered yet
  bool _bodyWait = false;   // a verify body is awaited (its deadline is armed)
  uint64_t _skip = 0;       // bytes of a body to drop (a request answered without its body)
  bool _closing = false;
  bool _linger = false;
  bool _parked = false;  // see parked()
};

}  // namespace keywarden::api::gateway
