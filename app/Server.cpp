#include "app/Server.h"

#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <csignal>
#include <sstream>

#include "api/HttpApi.h"
#include "app/Wiring.h"

namespace keywarden::app {

struct Server::Parts {
  std::unique_ptr<Wiring> w;
};

Server::Server(Settings settings)
    : _settings(std::move(settings)), _parts(std::make_unique<Parts>()) {}
Server::~Server() = default;

namespace {
Poco::Net::HTTPServerParams::Ptr httpParams(const Settings& s) {
  Poco::Net::HTTPServerParams::Ptr p = new Poco::Net::HTTPServerParams;
  p->setMaxThreads(s.httpThreads);
  p->setMaxQueued(s.httpMaxQueued);
  p->setKeepAlive(true);
  p->setMaxKeepAliveRequests(0);  // unlimited: gateways keep pooled connections
  p->setKeepAliveTimeout(Poco::Timespan(s.httpKeepAliveMs * 1000));
  p->setServerName("keywarden");
  return p;
}
}  // namespace

int Server::run() {
  auto& log = Poco::Logger::get("keywarden");
  Parts& p = *_parts;
  const Settings& s = _settings;

  // Termination signals are taken by sigwait below, never delivered to a worker thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  p.w = std::make_unique<Wiring>(s);
  Wiring& w = *p.w;
  size_t loaded = w.warm();
  if (!s.bootstrapAdminToken.empty() && w.tokens->bootstrapAdmin(s.bootstrapAdminToken))
    log.information("stored bootstrap.adminToken as the first admin token");

  engine::KeyCache& cache = w.cache;
  auto gauges = [&cache] {
    std::ostringstream o;
    o << "# HELP keywarden_keys_loaded Keys held in memory for the check path.\n"
      << "# TYPE keywarden_keys_loaded gauge\nkeywarden_keys_loaded " << cache.size() << "\n";
    return o.str();
  };
  auto* api = new api::HttpApi({*w.store, *w.catalog, *w.keys, *w.tokens, *w.verifier,
                                *w.applications, *w.mailLog, *w.jobLog, *w.templates},
                               s.gateway, s.httpMaxBodyBytes, gauges);
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory(api);

  // Our own pool: Poco's default pool is shared with timers and would cap connections.
  Poco::ThreadPool pool("http", 4, s.httpThreads + 4, 60);
  Poco::Net::ServerSocket socket(
      Poco::Net::SocketAddress(s.httpAddress, static_cast<Poco::UInt16>(s.httpPort)), 1024);
  Poco::Net::HTTPServer http(factory, pool, socket, httpParams(s));
  std::unique_ptr<Poco::Net::HTTPServer> https;
  if (s.httpsPort != 0) {
    Poco::Net::Context::Ptr ctx =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, s.httpsPrivateKey,
                               s.httpsCertificate, "", Poco::Net::Context::VERIFY_NONE);
    Poco::Net::SecureServerSocket tls(
        Poco::Net::SocketAddress(s.httpAddress, static_cast<Poco::UInt16>(s.httpsPort)), 1024, ctx);
    https = std::make_unique<Poco::Net::HTTPServer>(factory, pool, tls, httpParams(s));
  }
  w.startBackground();
  http.start();
  if (https) https->start();
  log.information(
      "keywarden listening on http://%s:%hu%s, %z keys loaded", s.httpAddress,
      socket.address().port(),
      https ? std::string(", https port ") + std::to_string(s.httpsPort) : std::string(), loaded);

  int sig = 0;
  sigwait(&signals, &sig);
  log.information("signal %d: shutting down", sig);
  http.stopAll(false);
  if (https) https->stopAll(false);
  pool.joinAll();
  w.stopBackground();
  log.information("stopped");
  return 0;
}

}  // namespace keywarden::app
