#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <cstdint>

#include "api/ConnectionWatchdog.h"

namespace keywarden::api {

// Limits of the HTTP listener, from the http.* settings.
struct HttpLimits {
  int64_t headerTimeoutMs = 5000;  // accept (or a next request's first byte) → complete header
  int64_t bodyTimeoutMs = 10000;   // complete header → complete body
  size_t maxBodyBytes = 1 << 20;   // a body left unread by a handler is drained up to this
  int64_t keepAliveMs = 10000;     // an idle kept-alive connection waits this long for a request
  int maxThreads = 256;            // request threads; when all hold connections, idle ones close
};

// Makes an HttpConnection for each accepted socket (used with Poco::Net::TCPServer in place
// of Poco's HTTPServer, whose connection class answers framing errors with an empty 400, closes
// without an answer on an unparseable Content-Length and waits for a first request as long as
// HTTPServerParams::getTimeout per read). Thread-safe.
class HttpConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  HttpConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                        Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                        ConnectionWatchdog& watchdog, HttpLimits limits);

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

 private:
  Poco::Net::HTTPServerParams::Ptr _params;
  Poco::Net::HTTPRequestHandlerFactory::Ptr _handlers;
  ConnectionWatchdog& _watchdog;
  const HttpLimits _limits;
};

}  // namespace keywarden::api
