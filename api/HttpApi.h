#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <functional>
#include <memory>
#include <string>

#include "api/AbuseHandlers.h"
#include "api/ApplicationHandlers.h"
#include "api/ApprovalPages.h"
#include "api/Authenticator.h"
#include "api/CatalogHandlers.h"
#include "api/ClientSource.h"
#include "api/GatewaySettings.h"
#include "api/JobHandlers.h"
#include "api/KeyHandlers.h"
#include "api/MailHandlers.h"
#include "api/Metrics.h"
#include "api/OpsHandlers.h"
#include "api/Router.h"
#include "api/TokenHandlers.h"
#include "api/UsageHandlers.h"
#include "api/VerifyHandlers.h"
#include "api/gateway/GatewayEndpoints.h"

namespace keywarden::api {

struct ApiServices {
  engine::Store& store;
  engine::CatalogService& catalog;
  engine::KeyService& keys;
  engine::TokenService& tokens;
  engine::Verifier& verifier;
  engine::ApplicationService& applications;
  engine::MailLog& mailLog;
  engine::JobLog& jobLog;
  ApprovalPages::RenderPage renderPage;  // the approver link pages (mail::TemplateSet)
  engine::UsageHistory& usage;
  engine::AbuseGuard* abuse = nullptr;  // the brute-force defence; nullptr: off
  ClientSource clientSource;            // who a caller is, for it
};

// The HTTP API: every route, the metrics, and the Poco handler factory that dispatches to them.
// Built once before the server starts; thread-safe afterwards.
class HttpApi : public Poco::Net::HTTPRequestHandlerFactory, public gateway::GatewayEndpoints {
 public:
  // `moreRoutes` adds the routes of other modules (the web pages) before the metrics are built.
  HttpApi(ApiServices services, GatewaySettings gateway, size_t maxBodyBytes,
          std::function<std::string()> gauges,
          const std::function<void(Router&)>& moreRoutes = nullptr);

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;
  // Handles one request (what the Poco handler calls).
  void handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res);
  const Router& router() const { return _router; }
  // The event-driven listener's requests (gateway.port): forward-auth and verify by the same
  // handlers and into the same metrics as on http.port; any other path is 404 NOT_FOUND, another
  // method on /v1/keys/verify 405.
  void answer(const GatewayCall& call, bool bodyTooLarge, GatewayAnswer& out) override;

 private:
  // Runs the handler of the request; `route` is set to its metrics index as soon as known.
  void dispatch(Exchange& ex, size_t& route);

  ApiServices _s;
  Authenticator _auth;
  CatalogHandlers _catalog;
  KeyHandlers _keys;
  ApplicationHandlers _applications;
  MailHandlers _mail;
  JobHandlers _jobs;
  UsageHandlers _usage;
  TokenHandlers _tokenRoutes;
  ApprovalPages _pages;
  VerifyHandlers _verify;
  OpsHandlers _ops;
  std::unique_ptr<AbuseHandlers> _abuse;
  Router _router;
  std::unique_ptr<Metrics> _metrics;
  const Metrics* _metricsPtr = nullptr;
  size_t _maxBody;
  size_t _unmatched = 0, _verifyRoute = 0, _gatewayRoute = 0;
};

}  // namespace keywarden::api
