#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/TCPServerConnection.h>

#include "api/ConnectionWatchdog.h"
#include "api/HttpConnectionFactory.h"
#include "api/RequestFraming.h"

namespace keywarden::api {

// One HTTP/1.1 connection: Poco 1.11's HTTPServerConnection::run, with what Keywarden needs
// around Poco's request parsing:
// - every request Poco cannot parse, or whose framing RequestFraming refuses, gets a JSON
//   error like the API's own ({"error":{code,message,field}}) with X-Keywarden-Code (so a
//   gateway can map it, contract §4), then the connection closes; Poco would answer an empty
//   400 or, for an unparseable Content-Length, close without an answer;
// - the first request must arrive complete (request line and headers) within
//   http.headerTimeout of the accept, a later one within http.headerTimeout of its first byte
//   (keep-alive idling in between is bounded by http.keepAliveTimeout); a body within
//   http.bodyTimeout of its header. These are totals, enforced by the ConnectionWatchdog,
//   not only per read;
// - a kept-alive connection waits for its next request up to http.keepAliveTimeout, but only
//   while a thread is free: when every request thread holds a connection (new ones queue), an
//   idle kept-alive connection is closed within a slice (200 ms) so the queue moves — a few
//   hundred clients that send one request and then idle cannot hold every thread either;
// - the raw bytes of each request's line and header are checked (RawHeaderCheck) for what Poco
//   rewrites or skips while parsing them (RFC 2047 encoded words, obs-fold, lines without a
//   colon, bare LF) — the session reads through a RecordingSocketImpl that keeps them; a
//   request line and header over 64 KiB are refused with 431;
// - a body a handler left unread is drained (up to http.maxBodyBytes) or the connection
//   closed, so it is never read as the next request.
class HttpConnection : public Poco::Net::TCPServerConnection {
 public:
  HttpConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                 Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, ConnectionWatchdog& watchdog,
                 HttpLimits limits);

  void run() override;

 private:
  // Answers `r` and closes gracefully: stops sending, then reads and drops what the client is
  // still sending for a moment, so that its unread bytes do not turn our close into a reset
  // that would discard the answer before the client reads it.
  void refuse(Poco::Net::HTTPServerSession& session, ConnectionWatchdog::Slot& slot,
              const FramingRefusal& r);
  // Waits for the next request on a kept-alive connection (see above). `session` polls in
  // slices of its params' keep-alive timeout.
  bool nextRequest(Poco::Net::HTTPServerSession& session, ConnectionWatchdog::Slot& slot);

  Poco::Net::HTTPServerParams::Ptr _params;
  Poco::Net::HTTPRequestHandlerFactory::Ptr _handlers;
  ConnectionWatchdog& _watchdog;
  const HttpLimits _limits;
};

}  // namespace keywarden::api
