#include "api/HttpApi.h"

#include "api/LogRedactor.h"
#include "api/OriginalRequest.h"
#include "api/PageSecurity.h"
#include "api/ProtocolError.h"
#include "api/RequestId.h"
#include "engine/ports/NoBlockingStore.h"
#include "engine/ports/StoreBusy.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>

#include <chrono>
#include <cstring>

namespace keywarden::api {

namespace {
class Dispatch : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Dispatch(HttpApi& api) : _api(api) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& res) override {
    _api.handle(req, res);
  }

 private:
  HttpApi& _api;
};

// The request as an error log line names it: the route's pattern with its non-secret
// parameters, never the raw path (which may carry a link token, or anything for a path that
// matched no route).
std::string logWhere(const Router& router, Exchange& ex, size_t route) {
  return LogRedactor::where(router.patternOf(route), ex.params());
}
// Answers `error` when nothing was sent yet (a handler may fail after answering); with
// `retry`, Retry-After: 1. A failure to send is dropped: the connection is gone.
void sendUnlessSent(Exchange& ex, const engine::Error& error, bool retry) {
  if (ex.status() != 0) return;
  try {
    if (retry) ex.response().set("Retry-After", "1");
    PageSecurity::set(ex.response());  // a page that failed half-way is still a page
    ex.sendError(error);
  } catch (...) {
  }
}
}  // namespace

HttpApi::HttpApi(ApiServices services, GatewaySettings gateway, size_t maxBodyBytes,
                 std::function<std::string()> gauges,
                 const std::function<void(Router&)>& moreRoutes)
    : _s(services),
      _auth(services.tokens),
      _catalog(services.catalog, _auth),
      _keys(services.keys, _auth),
      _applications(services.applications, _auth),
      _mail(services.mailLog, _auth),
      _jobs(services.jobLog, _auth),
      _usage(services.usage, _auth),
      _tokenRoutes(services.tokens, _auth),
      _pages(services.applications, services.renderPage),
      _verify(services.verifier, _auth, std::move(gateway)),
      _ops(services.store, services.verifier, std::move(gauges)),
      _maxBody(maxBodyBytes) {
  if (services.abuse) {
    _verify.setAbuse(services.abuse, services.clientSource);
    _auth.setAbuse(services.abuse, services.clientSource);
    _pages.setAbuse(services.abuse, services.clientSource);
    _abuse = std::make_unique<AbuseHandlers>(*services.abuse, _auth);
  }
  _ops.install(_router, &_metricsPtr);
  if (_abuse) _abuse->install(_router);
  _catalog.install(_router);
  _verify.install(_router);  // before /v1/keys/{id} so "verify" is never read as a key id
  _keys.install(_router);
  _applications.install(_router);
  _mail.install(_router);
  _jobs.install(_router);
  _usage.install(_router);
  _tokenRoutes.install(_router);
  _pages.install(_router);
  if (moreRoutes) moreRoutes(_router);
  _unmatched = _router.indexOfPattern("(unmatched)");
  _verifyRoute = _router.indexOfPattern(std::string(OriginalRequest::kVerifyPath));
  _gatewayRoute = _router.indexOfPattern(std::string(OriginalRequest::kPrefix));
  std::vector<std::string> labels;
  for (size_t i = 0; i < _router.patternCount(); ++i) labels.push_back(_router.patternOf(i));
  _metrics = std::make_unique<Metrics>(std::move(labels));
  _metricsPtr = _metrics.get();
}

void HttpApi::answer(const GatewayCall& call, bool bodyTooLarge, GatewayAnswer& out) {
  auto t0 = std::chrono::steady_clock::now();
  std::string_view path = call.uri.substr(0, call.uri.find('?'));
  size_t route = _unmatched;
  try {
    if (OriginalRequest::isForwardAuth(path)) {
      route = _gatewayRoute;
      _verify.forwardAuth(call, out);
    } else if (path == OriginalRequest::kVerifyPath && call.method == "POST") {
      route = _verifyRoute;
      if (bodyTooLarge)
        out.error(ProtocolError::bodyTooLarge(_maxBody));
      else
        _verify.verify(call, out);
    } else if (path == OriginalRequest::kVerifyPath) {
      route = _verifyRoute;
      out.set("Allow", "POST");
      out.error(ProtocolError::methodNotAllowed(std::string(call.method), std::string(path)));
    } else {
      out.error({engine::ErrorKind::NotFound, "NOT_FOUND",
                 "no such endpoint on gateway.port: " + std::string(path) +
                     " (it serves /v1/gateway/auth and POST /v1/keys/verify)",
                 ""});
    }
  } catch (const engine::NoBlockingStore::WouldBlock&) {
    throw;  // the listener answers it again on a worker (GatewayConnection::parked)
  } catch (const engine::StoreBusy& e) {
    Poco::Logger::get("keywarden.http")
        .warning("%s %s: %s: %s", LogRedactor::text(std::string(call.method)),
                 _router.patternOf(route), e.code(), LogRedactor::text(e.what()));
    out.clear();
    out.set("Retry-After", "1");
    out.error({engine::ErrorKind::Unavailable, e.code(),
               e.code() == "STORE_BUSY"
                   ? "the database aborted this change because of a concurrent one; try again"
                   : "the database is unreachable; try again",
               ""});
  } catch (const std::exception& e) {
    Poco::Logger::get("keywarden.http")
        .error("%s %s failed: %s", LogRedactor::text(std::string(call.method)),
               _router.patternOf(route), LogRedactor::text(e.what()));
    out.clear();
    out.error(
        {engine::ErrorKind::Internal, "INTERNAL", "the request failed; see the server log", ""});
  }
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  _metrics->record(route, out.status(), micros);
}

Poco::Net::HTTPRequestHandler* HttpApi::createRequestHandler(const Poco::Net::HTTPServerRequest&) {
  return new Dispatch(*this);
}

void HttpApi::handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) {
  auto t0 = std::chrono::steady_clock::now();
  // Every answer carries the request id; every log line written meanwhile names it.
  static const std::string kNone;
  RequestId::Scope requestId(RequestId::choose(req.get("X-Request-Id", kNone)));
  res.set("X-Request-Id", RequestId::current());
  Exchange ex(req, res, _maxBody);
  size_t route = _unmatched;
  try {
    dispatch(ex, route);
  } catch (const engine::StoreBusy& e) {
    Poco::Logger::get("keywarden.http")
        .warning("%s %s: %s: %s", LogRedactor::text(ex.method()), logWhere(_router, ex, route),
                 e.code(), LogRedactor::text(e.what(), LogRedactor::secretsOf(ex.params())));
    sendUnlessSent(
        ex,
        {engine::ErrorKind::Unavailable, e.code(),
         e.code() == "STORE_BUSY" ? "the database aborted this change because of a concurrent one; "
                                    "try again"
                                  : "the database is unreachable; try again",
         ""},
        true);
  } catch (const std::exception& e) {
    // Neither the path nor the message is written as it came: a path may carry a link token,
    // a message may quote input.
    Poco::Logger::get("keywarden.http")
        .error("%s %s failed: %s", LogRedactor::text(ex.method()), logWhere(_router, ex, route),
               LogRedactor::text(e.what(), LogRedactor::secretsOf(ex.params())));
    sendUnlessSent(
        ex, {engine::ErrorKind::Internal, "INTERNAL", "the request failed; see the server log", ""},
        false);
  }
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  _metrics->record(route, ex.status(), micros);
}

namespace {
bool isRead(const std::string& method) {
  return method == "GET" || method == "HEAD";
}
// A pattern whose last segment is a `{name}` parameter names one object.
bool readsOne(const std::string& pattern) {
  size_t slash = pattern.rfind('/');
  return pattern.size() > slash + 2 && pattern[slash + 1] == '{' && pattern[slash + 2] != '*' &&
         pattern.back() == '}';
}
}  // namespace

void HttpApi::dispatch(Exchange& ex, size_t& route) {
  // The gateway paths skip the router: they are most of the traffic.
  if (OriginalRequest::isForwardAuth(ex.path())) {
    route = _gatewayRoute;
    _verify.forwardAuth(ex);
  } else if (ex.path() == OriginalRequest::kVerifyPath && ex.method() == "POST") {
    route = _verifyRoute;
    _verify.verify(ex);
  } else {
    const Router::Route* r = nullptr;
    switch (_router.find(ex, r)) {
      case Router::Match::Found:
        route = r->index;
        // No /v1 change takes a query parameter: `POST /v1/clients?tenant=acme` once created
        // the client in the default tenant, `DELETE …?force=true` ignored `force`. Refused
        // before the handler runs, so nothing changes. Nor does a read of one object (a
        // pattern ending in `{name}`): `GET /v1/keys/k1?tenant=other` answered k1 as if the
        // parameter meant something. Lists name theirs (queryOnly in their handlers).
        if (ex.path().rfind("/v1/", 0) == 0 && (!isRead(ex.method()) || readsOne(r->pattern)))
          if (auto e = ex.queryOnly({})) return ex.sendError(*e);
        r->handler(ex);
        break;
      case Router::Match::NoMethod:
        // No handler set the pages' headers; the answer may be shown in a browser all the same.
        PageSecurity::set(ex.response());
        ex.sendError(ProtocolError::methodNotAllowed(ex.method(), ex.path()));
        break;
      case Router::Match::NoPath:
        PageSecurity::set(ex.response());
        ex.sendError(
            {engine::ErrorKind::NotFound, "NOT_FOUND", "no such endpoint: " + ex.path(), ""});
        break;
    }
  }
}

}  // namespace keywarden::api
