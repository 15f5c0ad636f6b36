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
#include "engine/ApplicationService.h"
#include "engine/CatalogService.h"
#include "engine/FlowCatalog.h"
#include "engine/FlowParser.h"
#include "engine/KeyCache.h"
#include "engine/KeyService.h"
#include "engine/SecretBox.h"
#include "engine/StoreQuotaSource.h"
#include "engine/SystemClock.h"
#include "engine/TokenService.h"
#include "engine/UsageFlusher.h"
#include "engine/Verifier.h"
#include "store/SqlStore.h"

namespace keywarden::app {

struct Server::Parts {
  engine::SystemClock clock;
  std::unique_ptr<store::SqlStore> store;
  engine::KeyCache cache;
  std::unique_ptr<engine::CatalogService> catalog;
  std::unique_ptr<engine::KeyService> keys;
  std::unique_ptr<engine::TokenService> tokens;
  std::unique_ptr<engine::StoreQuotaSource> quota;
  std::unique_ptr<engine::Verifier> verifier;
  std::unique_ptr<engine::UsageFlusher> flusher;
  engine::FlowCatalog flows;
  std::unique_ptr<engine::SecretBox> sealer;
  std::unique_ptr<engine::ApplicationService> applications;
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

  try {
    p.flows = engine::FlowCatalog::loadDir(s.workflowsDir);
  } catch (const engine::FlowError& e) {
    throw SettingsError(std::string("workflows: ") + e.what());
  }
  for (const auto& f : p.flows.flows())
    log.information("flow %s (priority %Ld, %z level(s), version %s) from %s", f.id, f.priority,
                    f.levels.size(), f.version, f.source);
  p.store = std::make_unique<store::SqlStore>(s.db);
  int applied = p.store->migrate();
  if (applied > 0) log.information("applied %d schema migration(s)", applied);
  p.catalog = std::make_unique<engine::CatalogService>(*p.store, p.cache, p.clock);
  p.keys = std::make_unique<engine::KeyService>(*p.store, p.cache, p.clock, s.keysPrefix);
  p.tokens = std::make_unique<engine::TokenService>(*p.store, p.clock);
  p.quota = std::make_unique<engine::StoreQuotaSource>(*p.store);
  p.verifier = std::make_unique<engine::Verifier>(p.cache, *p.quota, p.clock, s.quotaLeaseBlock);
  p.flusher = std::make_unique<engine::UsageFlusher>(p.cache, *p.store, s.usageFlushMs);
  p.sealer = std::make_unique<engine::SecretBox>(s.secret, "key-delivery");
  p.applications =
      std::make_unique<engine::ApplicationService>(*p.store, *p.keys, p.flows, p.clock, *p.sealer);

  p.catalog->warmCache();
  size_t loaded = p.keys->warmCache();
  if (!s.bootstrapAdminToken.empty() && p.tokens->bootstrapAdmin(s.bootstrapAdminToken))
    log.information("stored bootstrap.adminToken as the first admin token");

  engine::KeyCache& cache = p.cache;
  auto gauges = [&cache] {
    std::ostringstream o;
    o << "# HELP keywarden_keys_loaded Keys held in memory for the check path.\n"
      << "# TYPE keywarden_keys_loaded gauge\nkeywarden_keys_loaded " << cache.size() << "\n";
    return o.str();
  };
  auto* api =
      new api::HttpApi({*p.store, *p.catalog, *p.keys, *p.tokens, *p.verifier, *p.applications},
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
  p.flusher->start();
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
  p.flusher->stop();
  log.information("stopped");
  return 0;
}

}  // namespace keywarden::app
