#include "api/HttpConnectionFactory.h"

#include "api/HttpConnection.h"

namespace keywarden::api {

HttpConnectionFactory::HttpConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                                             Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                                             ConnectionWatchdog& watchdog, HttpLimits limits)
    : _params(std::move(params)),
      _handlers(std::move(handlers)),
      _watchdog(watchdog),
      _limits(limits) {}

Poco::Net::TCPServerConnection* HttpConnectionFactory::createConnection(
    const Poco::Net::StreamSocket& socket) {
  return new HttpConnection(socket, _params, _handlers, _watchdog, _limits);
}

}  // namespace keywarden::api
