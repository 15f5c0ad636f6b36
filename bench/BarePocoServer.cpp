// The ceiling of the HTTP layer: Poco's HTTPServer, tuned as Keywarden's, answering 204 to
// everything. bench/run.sh drives it beside Keywarden and nginx.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

namespace {
class NoContent : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& res) override {
    res.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
    res.setContentLength(0);
    res.send();
  }
};
class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new NoContent;
  }
};
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bare_poco_server PORT [THREADS]\n";
    return 2;
  }
  int threads = argc > 2 ? std::atoi(argv[2]) : 256;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Poco::Net::HTTPServerParams::Ptr p = new Poco::Net::HTTPServerParams;
  p->setMaxThreads(threads);
  p->setMaxQueued(1024);
  p->setKeepAlive(true);
  p->setMaxKeepAliveRequests(0);
  Poco::ThreadPool pool("http", 4, threads + 4, 60);
  Poco::Net::ServerSocket socket(
      Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(std::atoi(argv[1]))), 1024);
  Poco::Net::HTTPServer server(new Factory, pool, socket, p);
  server.start();
  int sig = 0;
  sigwait(&signals, &sig);
  server.stopAll(false);
  return 0;
}
