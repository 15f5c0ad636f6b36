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
#include <functional>
#include <sstream>
#include <stdexcept>

#include "api/ConnectionWatchdog.h"
#include "api/HttpApi.h"
#include "api/HttpConnectionFactory.h"
#include "api/gateway/GatewayListener.h"
#include "app/AcceptPauses.h"
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
// Poco's error handler (set before the listeners start): backs off http.port's accept thread.
AcceptPauses& acceptPauses() {
  static AcceptPauses pauses;
  return pauses;
}

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
  Poco::Net::SocketAddress at;
  try {  // a host name is looked up here: say which setting holds it when it cannot be
    at = Poco::Net::SocketAddress(address, static_cast<Poco::UInt16>(port));
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("http.address: '" + address + "' cannot be resolved: " +
                             e.displayText().substr(0, e.displayText().find('\n')));
  }
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
    << w.queueGauges() << api::AbuseHandlers::metrics(*w.abuse)
    << "# HELP keywarden_accept_pauses_total Times a listener stopped accepting for a moment "
       "because the process was out of file descriptors or memory (EMFILE, ENFILE, ENOBUFS, "
       "ENOMEM).\n# TYPE keywarden_accept_pauses_total counter\n"
    << "keywarden_accept_pauses_total{port=\"http\"} " << acceptPauses().pauses() << "\n";
  if (gateway)
    o << "keywarden_accept_pauses_total{port=\"gateway\"} " << gateway->acceptPauses() << "\n";
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

namespace {
// Termination signals are taken by sigwait in serveSignals, never delivered to a worker thread.
sigset_t blockSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);  // reload flows and templates (app/Reloader)
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// The listening sockets of http.port, https.port and gateway.port, bound before the store is
// touched (so a second server is refused first).
struct Listeners {
  Poco::Net::ServerSocket http;
  std::unique_ptr<Poco::Net::SecureServerSocket> tls;  // https.port, when set
  int gatewayFd = -1;                                  // gateway.port, when set
};

void openListeners(const Settings& s, Listeners& l) {
  listenOn(l.http, s.httpAddress, s.httpPort, "http.port");
  if (s.httpsPort != 0) {
    Poco::Net::Context::Ptr ctx =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, s.httpsPrivateKey,
                               s.httpsCertificate, "", Poco::Net::Context::VERIFY_NONE);
    l.tls = std::make_unique<Poco::Net::SecureServerSocket>(ctx);
    listenOn(*l.tls, s.httpAddress, s.httpsPort, "https.port");
  }
  if (s.gatewayPort != 0)
    l.gatewayFd = api::gateway::GatewayListener::listenOn(s.gatewayAddress, s.gatewayPort);
}

web::WebSettings webSettings(const Settings& s) {
  web::WebSettings out;
  out.publicBaseUrl = s.publicBaseUrl;
  out.templatesDir = s.templatesDir;
  out.trustedHeader = s.portalTrustedHeader;
  out.trustedProxies = s.portalTrustedProxies;
  out.defaultLanguage = s.defaultLanguage;
  return out;
}

api::HttpLimits httpLimits(const Settings& s) {
  api::HttpLimits limits;
  limits.headerTimeoutMs = s.httpHeaderTimeoutMs;
  limits.bodyTimeoutMs = s.httpBodyTimeoutMs;
  limits.maxBodyBytes = s.httpMaxBodyBytes;
  limits.keepAliveMs = s.httpKeepAliveMs;
  limits.maxThreads = s.httpThreads;
  return limits;
}

api::gateway::GatewayLimits gatewayLimits(const Settings& s) {
  api::gateway::GatewayLimits gl;
  gl.headerTimeoutMs = s.httpHeaderTimeoutMs;
  gl.bodyTimeoutMs = s.httpBodyTimeoutMs;
  gl.keepAliveMs = s.httpKeepAliveMs;
  gl.maxBodyBytes = s.httpMaxBodyBytes;
  return gl;
}

// The HTTP API over the wired services, with the pages and the console on its router.
// Approver link pages follow the portal's language rule (saved, browser, default).
api::HttpApi* makeApi(const Settings& s, Wiring& w, web::Portal& pages, web::Console& console,
                      std::function<std::string()> gauges) {
  api::ApiServices services = w.apiServices();
  services.renderPage = [&pages, t = w.templates.get()](
                            const std::string& page, const std::string& json,
                            const std::string& approver, const std::string& acceptLanguage) {
    return t->renderPage(page, json, pages.languageFor(approver, acceptLanguage));
  };
  return new api::HttpApi(services, s.gateway, s.httpMaxBodyBytes, std::move(gauges),
                          [&pages, &console](api::Router& r) {
                            pages.install(r);
                            console.install(r);
                          });
}

// How often the watchdog looks: deadlines are kept to within a tenth of the shorter timeout
// (at least 10 ms).
int64_t watchdogTickMs(const Settings& s) {
  return std::max<int64_t>(10, std::min(s.httpHeaderTimeoutMs, s.httpBodyTimeoutMs) / 10);
}

void bootstrapAdmin(const Settings& s, Wiring& w) {
  if (!s.bootstrapAdminToken.empty() && w.tokens->bootstrapAdmin(s.bootstrapAdminToken))
    Poco::Logger::get("keywarden")
        .information("stored bootstrap.adminToken as the first admin token");
}

void logListening(const Settings& s, const Listeners& l,
                  const api::gateway::GatewayListener* gateway, bool https, size_t loaded) {
  auto& log = Poco::Logger::get("keywarden");
  if (gateway)
    log.information(
        "gateway listener on http://%s:%d (%d event loops): /v1/gateway/auth, "
        "POST /v1/keys/verify",
        s.gatewayAddress, gateway->port(), gateway->loops());
  log.information(
      "keywarden listening on http://%s:%hu%s, %z keys loaded", s.httpAddress,
      l.http.address().port(),
      https ? std::string(", https port ") + std::to_string(s.httpsPort) : std::string(), loaded);
}
}  // namespace

int Server::run() {
  auto& log = Poco::Logger::get("keywarden");
  const Settings& s = _settings;
  sigset_t signals = blockSignals();
  Listeners listeners;
  openListeners(s, listeners);

  _parts->w = std::make_unique<Wiring>(s);
  Wiring& w = *_parts->w;
  size_t loaded = w.warm();
  bootstrapAdmin(s, w);

  std::unique_ptr<api::gateway::GatewayListener> gateway;
  web::Portal pages({*w.portal, *w.applications, *w.keys, *w.catalog, w.flows, *w.templates},
                    webSettings(s));
  pages.setAbuse(w.abuse.get(), w.clientSource);
  web::Console console({pages, *w.keys, *w.catalog, *w.applications, *w.mailLog, *w.jobLog,
                        *w.tokens, *w.usage, *w.auditReader, w.flows, *w.templates, w.abuse.get()});
  auto* api =
      makeApi(s, w, pages, console, [&w, &gateway] { return gaugesText(w, gateway.get()); });
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory(api);

  api::ConnectionWatchdog watchdog(watchdogTickMs(s));
  auto connections = [&, limits = httpLimits(s)] {
    // A kept-alive connection polls in slices, to close when others wait for a thread.
    Poco::Net::HTTPServerParams::Ptr session = httpParams(s);
    session->setKeepAliveTimeout(Poco::Timespan(std::min<int64_t>(200, s.httpKeepAliveMs) * 1000));
    return Poco::Net::TCPServerConnectionFactory::Ptr(
        new api::HttpConnectionFactory(session, factory, watchdog, limits));
  };
  // Our own pool: Poco's default pool is shared with timers and would cap connections.
  Poco::ThreadPool pool("http", 4, s.httpThreads + 4, 60);
  Poco::Net::TCPServer http(connections(), pool, listeners.http, httpParams(s));
  std::unique_ptr<Poco::Net::TCPServer> https;
  if (listeners.tls)
    https =
        std::make_unique<Poco::Net::TCPServer>(connections(), pool, *listeners.tls, httpParams(s));
  if (listeners.gatewayFd >= 0)
    gateway = std::make_unique<api::gateway::GatewayListener>(*api, gatewayLimits(s),
                                                              listeners.gatewayFd, s.gatewayLoops);
  Poco::ErrorHandler::set(&acceptPauses());
  w.startBackground();
  http.start();
  if (https) https->start();
  if (gateway) gateway->start();
  logListening(s, listeners, gateway.get(), https != nullptr, loaded);

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
