#include "app/Server.h"

#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <sstream>
#include <stdexcept>

#include "api/ConnectionWatchdog.h"
#include "api/HttpApi.h"
#include "api/HttpConnectionFactory.h"
#include "api/gateway/GatewayListener.h"
#include "app/ControlFiles.h"
#include "app/Reloader.h"
#include "app/Wiring.h"
#include "web/Console.h"
#include "web/Portal.h"

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
  // Poco waits this long for a connection's first request and for each read of a request; the
  // connection's watchdog bounds the whole header (and body) as well.
  p->setTimeout(Poco::Timespan(s.httpHeaderTimeoutMs * 1000));
  p->setServerName("keywarden");
  return p;
}

// Binds and listens without SO_REUSEPORT: Poco 1.11's ServerSocket(address) sets both
// SO_REUSEADDR and SO_REUSEPORT, so a second server on the same port started quietly and
// shared the connections. SO_REUSEADDR alone only allows rebinding over TIME_WAIT.
void listenOn(Poco::Net::ServerSocket& socket, const std::string& address, int port,
              const char* setting) {
  Poco::Net::SocketAddress at(address, static_cast<Poco::UInt16>(port));
  try {
    socket.bind(at, true, false);
    socket.listen(1024);
  } catch (const Poco::Exception& e) {
    std::string why = e.displayText();
    if (why.find("already in use") != std::string::npos)
      throw std::runtime_error(std::string(setting) + ": " + at.toString() +
                               " is already in use (is another keywarden running on it?)");
    throw std::runtime_error(std::string(setting) + ": cannot listen on " + at.toString() + ": " +
                             why.substr(0, why.find('\n')));
  }
}
// The /metrics gauges and counters of the parts outside api: keys loaded, the queues, the
// brute-force defence, the usage flusher, store look-ups on a miss, the gateway listener.
std::string gaugesText(Wiring& w, const api::gateway::GatewayListener* gateway) {
  std::ostringstream o;
  o << "# HELP keywarden_keys_loaded Keys held in memory for the check path.\n"
    << "# TYPE keywarden_keys_loaded gauge\nkeywarden_keys_loaded " << w.cache.size() << "\n"
    << w.queueGauges() << api::AbuseHandlers::metrics(*w.abuse);
  if (w.flusher)
    o << "# HELP keywarden_usage_flushes_total Usage flushes that wrote (one transaction each).\n"
      << "# TYPE keywarden_usage_flushes_total counter\nkeywarden_usage_flushes_total "
      << w.flusher->flushes() << "\n"
      << "# HELP keywarden_usage_flush_seconds_total Time spent in those flushes.\n"
      << "# TYPE keywarden_usage_flush_seconds_total counter\n"
      << "keywarden_usage_flush_seconds_total " << w.flusher->flushMs() / 1000.0 << "\n"
      << "# HELP keywarden_usage_rows_written_total Usage-history rows (key, minute, outcome) "
         "written by those flushes.\n"
      << "# TYPE keywarden_usage_rows_written_total counter\n"
      << "keywarden_usage_rows_written_total " << w.flusher->rowsWritten() << "\n";
  if (w.missLookup)
    o << "# HELP keywarden_key_store_lookups_total Checks of keys missing from the cache that "
         "were looked up in the store (found or not), and misses not looked up (negative cache "
         "or gateway.storeLookupsPerSecond).\n"
      << "# TYPE keywarden_key_store_lookups_total counter\n"
      << "keywarden_key_store_lookups_total{result=\"found\"} " << w.missLookup->found() << "\n"
      << "keywarden_key_store_lookups_total{result=\"missing\"} "
      << w.missLookup->lookups() - w.missLookup->found() << "\n"
      << "keywarden_key_store_lookups_total{result=\"skipped\"} " << w.missLookup->skipped()
      << "\n";
  if (gateway)
    o << "# HELP keywarden_gateway_connections_accepted_total Connections accepted on "
         "gateway.port.\n# TYPE keywarden_gateway_connections_accepted_total counter\n"
      << "keywarden_gateway_connections_accepted_total " << gateway->accepted() << "\n"
      << "# HELP keywarden_gateway_connections_open Connections open on gateway.port.\n"
      << "# TYPE keywarden_gateway_connections_open gauge\n"
      << "keywarden_gateway_connections_open " << gateway->open() << "\n";
  return o.str();
}

// Waits for signals: SIGHUP reloads flows and templates (one at a time, here, recording the
// outcome for `keywarden reload`); SIGTERM or SIGINT ends the wait. Returns that signal.
int serveSignals(const Settings& s, sigset_t& signals, Wiring& w) {
  auto& log = Poco::Logger::get("keywarden");
  ControlFiles control(s);
  Reloader reloader(s.workflowsDir, s.templatesDir, s.defaultLanguage, w.flows, *w.templates);
  long reloads = 0;
  try {
    control.writePid(::getpid());
  } catch (const std::exception& e) {
    log.warning("keywarden reload will not find this server: %s", std::string(e.what()));
  }
  int sig = 0;
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    Reloader::Outcome r = reloader.reload();
    try {
      control.writeStatus(++reloads, r.ok, r.message);
    } catch (const std::exception& e) {
      log.warning("reload outcome not recorded: %s", std::string(e.what()));
    }
  }
  control.removePid();
  return sig;
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
  sigaddset(&signals, SIGHUP);  // reload flows and templates (app/Reloader)
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // The ports first: a second server is refused before it touches the store.
  Poco::Net::ServerSocket socket;
  listenOn(socket, s.httpAddress, s.httpPort, "http.port");
  std::unique_ptr<Poco::Net::SecureServerSocket> tls;
  if (s.httpsPort != 0) {
    Poco::Net::Context::Ptr ctx =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, s.httpsPrivateKey,
                               s.httpsCertificate, "", Poco::Net::Context::VERIFY_NONE);
    tls = std::make_unique<Poco::Net::SecureServerSocket>(ctx);
    listenOn(*tls, s.httpAddress, s.httpsPort, "https.port");
  }
  int gatewayFd = -1;
  if (s.gatewayPort != 0)
    gatewayFd = api::gateway::GatewayListener::listenOn(s.gatewayAddress, s.gatewayPort);

  p.w = std::make_unique<Wiring>(s);
  Wiring& w = *p.w;
  size_t loaded = w.warm();
  if (!s.bootstrapAdminToken.empty() && w.tokens->bootstrapAdmin(s.bootstrapAdminToken))
    log.information("stored bootstrap.adminToken as the first admin token");

  std::unique_ptr<api::gateway::GatewayListener> gateway;
  auto gauges = [&w, &gateway] { return gaugesText(w, gateway.get()); };
  web::WebSettings webSettings;
  webSettings.publicBaseUrl = s.publicBaseUrl;
  webSettings.templatesDir = s.templatesDir;
  webSettings.trustedHeader = s.portalTrustedHeader;
  webSettings.trustedProxies = s.portalTrustedProxies;
  webSettings.defaultLanguage = s.defaultLanguage;
  web::Portal pages({*w.portal, *w.applications, *w.keys, *w.catalog, w.flows, *w.templates},
                    webSettings);
  pages.setAbuse(w.abuse.get(), w.clientSource);
  engine::AuditReader auditReader(*w.store);
  web::Console console({pages, *w.keys, *w.catalog, *w.applications, *w.mailLog, *w.jobLog,
                        *w.tokens, *w.usage, auditReader, w.flows, *w.templates, w.abuse.get()});
  api::ApiServices services = w.apiServices();
  // Approver link pages follow the portal's language rule (saved, browser, default).
  services.renderPage = [&pages, t = w.templates.get()](
                            const std::string& page, const std::string& json,
                            const std::string& approver, const std::string& acceptLanguage) {
    return t->renderPage(page, json, pages.languageFor(approver, acceptLanguage));
  };
  auto* api = new api::HttpApi(services, s.gateway, s.httpMaxBodyBytes, gauges,
                               [&pages, &console](api::Router& r) {
                                 pages.install(r);
                                 console.install(r);
                               });
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory(api);

  // Deadlines are kept to within a tenth of the shorter timeout (at least 10 ms).
  api::ConnectionWatchdog watchdog(
      std::max<int64_t>(10, std::min(s.httpHeaderTimeoutMs, s.httpBodyTimeoutMs) / 10));
  api::HttpLimits limits;
  limits.headerTimeoutMs = s.httpHeaderTimeoutMs;
  limits.bodyTimeoutMs = s.httpBodyTimeoutMs;
  limits.maxBodyBytes = s.httpMaxBodyBytes;
  limits.keepAliveMs = s.httpKeepAliveMs;
  limits.maxThreads = s.httpThreads;
  auto connections = [&] {
    // A kept-alive connection polls in slices, to close when others wait for a thread.
    Poco::Net::HTTPServerParams::Ptr session = httpParams(s);
    session->setKeepAliveTimeout(Poco::Timespan(std::min<int64_t>(200, s.httpKeepAliveMs) * 1000));
    return Poco::Net::TCPServerConnectionFactory::Ptr(
        new api::HttpConnectionFactory(session, factory, watchdog, limits));
  };
  // Our own pool: Poco's default pool is shared with timers and would cap connections.
  Poco::ThreadPool pool("http", 4, s.httpThreads + 4, 60);
  Poco::Net::TCPServer http(connections(), pool, socket, httpParams(s));
  std::unique_ptr<Poco::Net::TCPServer> https;
  if (tls) https = std::make_unique<Poco::Net::TCPServer>(connections(), pool, *tls, httpParams(s));
  if (gatewayFd >= 0) {
    api::gateway::GatewayLimits gl;
    gl.headerTimeoutMs = s.httpHeaderTimeoutMs;
    gl.bodyTimeoutMs = s.httpBodyTimeoutMs;
    gl.keepAliveMs = s.httpKeepAliveMs;
    gl.maxBodyBytes = s.httpMaxBodyBytes;
    gateway = std::make_unique<api::gateway::GatewayListener>(*api, gl, gatewayFd, s.gatewayLoops);
  }
  w.startBackground();
  http.start();
  if (https) https->start();
  if (gateway) {
    gateway->start();
    log.information(
        "gateway listener on http://%s:%d (%d event loops): /v1/gateway/auth, "
        "POST /v1/keys/verify",
        s.gatewayAddress, gateway->port(), gateway->loops());
  }
  log.information(
      "keywarden listening on http://%s:%hu%s, %z keys loaded", s.httpAddress,
      socket.address().port(),
      https ? std::string(", https port ") + std::to_string(s.httpsPort) : std::string(), loaded);

  int sig = serveSignals(s, signals, w);
  log.information("signal %d: shutting down", sig);
  if (gateway) gateway->stop();
  http.stop();
  if (https) https->stop();
  watchdog.shutdownAll();  // waits for requests in flight, then ends idle connections
  pool.joinAll();
  gateway.reset();
  w.stopBackground();
  log.information("stopped");
  return 0;
}

}  // namespace keywarden::app
