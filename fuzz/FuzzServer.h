#pragma once

// An in-process Keywarden for the fuzz targets that drive the HTTP API (GatewayFuzz,
// ApiBodyFuzz): the real Settings::load, Wiring and HttpApi — every handler, decoder and rule
// the server has — without sockets. The store is SQLite in a temporary folder (synchronous
// NORMAL), the workflows and templates are the source tree's. The abuse thresholds are set out of
// reach so that a long run is not answered TOO_MANY_ATTEMPTS from memory after a few guesses.
// The web portal's pages are routed too (not the admin console). Made once per process (get()); not
// thread-safe (libFuzzer runs one input at a time).
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "api/HttpApi.h"
#include "app/Settings.h"
#include "app/Wiring.h"
#include "web/Portal.h"

namespace keywarden::fuzz {

// A request as Poco's server would hand it over: method, target, header fields and body.
class FakeRequest : public Poco::Net::HTTPServerRequest {
 public:
  FakeRequest(Poco::Net::HTTPServerResponse& res, std::string body, const std::string& peer)
      : _res(res),
        _body(std::move(body)),
        _client(peer, 40000),
        _server("127.0.0.1", 8080),
        _params(new Poco::Net::HTTPServerParams) {}
  std::istream& stream() override { return _body; }
  const Poco::Net::SocketAddress& clientAddress() const override { return _client; }
  const Poco::Net::SocketAddress& serverAddress() const override { return _server; }
  const Poco::Net::HTTPServerParams& serverParams() const override { return *_params; }
  Poco::Net::HTTPServerResponse& response() const override { return _res; }
  bool secure() const override { return false; }

 private:
  Poco::Net::HTTPServerResponse& _res;
  std::istringstream _body;
  Poco::Net::SocketAddress _client, _server;
  Poco::Net::HTTPServerParams::Ptr _params;
};

// The answer, kept in memory.
class FakeResponse : public Poco::Net::HTTPServerResponse {
 public:
  void sendContinue() override {}
  std::ostream& send() override {
    _sent = true;
    return _body;
  }
  void sendFile(const std::string&, const std::string&) override { _sent = true; }
  void sendBuffer(const void* p, std::size_t n) override {
    _sent = true;
    _body.write(static_cast<const char*>(p), static_cast<std::streamsize>(n));
  }
  void redirect(const std::string& uri, HTTPStatus status) override {
    setStatusAndReason(status);
    set("Location", uri);
    _sent = true;
  }
  void requireAuthentication(const std::string&) override {
    setStatusAndReason(HTTP_UNAUTHORIZED);
    _sent = true;
  }
  bool sent() const override { return _sent; }
  std::string body() const { return _body.str(); }

 private:
  bool _sent = false;
  std::ostringstream _body;
};

struct FuzzServer {
  std::string dir;
  std::unique_ptr<app::Wiring> wiring;
  std::unique_ptr<web::Portal> portal;  // the web pages (sign-in, sessions), as the server has
  std::unique_ptr<api::HttpApi> api;
  std::string adminToken, gatewayToken, key, keyId, tenant = "default";

  // The one server of this process, built on first use with `extra` settings added.
  static FuzzServer& get(const std::map<std::string, std::string>& extra = {}) {
    static FuzzServer* s = make(extra);
    return *s;
  }

  // One request through HttpApi::handle (as on http.port, from 127.0.0.1).
  int call(const std::string& method, const std::string& uri, const std::string& body,
           const std::map<std::string, std::string>& fields, std::string& answer) {
    FakeResponse res;
    FakeRequest req(res, body, "127.0.0.1");
    req.setMethod(method);
    req.setURI(uri);
    for (const auto& [k, v] : fields) req.set(k, v);
    if (!body.empty()) {
      req.setContentLength(static_cast<std::streamsize>(body.size()));
      if (!req.has("Content-Type")) req.setContentType("application/json");
    }
    api->handle(req, res);
    answer = res.body();
    return static_cast<int>(res.getStatus());
  }
  int admin(const std::string& method, const std::string& uri, const std::string& body,
            std::string& answer) {
    return call(method, uri, body, {{"Authorization", "Bearer " + adminToken}}, answer);
  }

 private:
  static FuzzServer* make(const std::map<std::string, std::string>& extra) {
    auto* s = new FuzzServer;
    char tmpl[] = "/tmp/kw-fuzz-server-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    s->dir = tmpl;
    s->adminToken = "kwt_fuzzadmin0123456789abcdefghijklmnopqrstuvwxyz";
    std::map<std::string, std::string> props = {
        {"http.port", "18080"},
        {"db.connector", "sqlite"},
        {"db.connection", s->dir + "/kw.db"},
        {"db.synchronous", "NORMAL"},
        {"secret", "fuzz-secret-0123456789abcdefghijklmnopqrstuvwxyz"},
        {"bootstrap.adminToken", s->adminToken},
        {"log.level", "fatal"},
        {"workflows.dir", std::string(KEYWARDEN_SOURCE_DIR) + "/workflows"},
        {"templates.dir", std::string(KEYWARDEN_SOURCE_DIR) + "/templates"},
        {"abuse.sourceFailures", "1000000"},
        {"abuse.prefixFailures", "1000000"},
        {"abuse.linkFailures", "1000000"},
    };
    for (const auto& [k, v] : extra) props[k] = v;
    std::string text;
    for (const auto& [k, v] : props) text += k + " = " + v + "\n";
    std::string cfg = s->dir + "/keywarden.properties";
    FILE* f = std::fopen(cfg.c_str(), "w");
    if (!f) std::abort();
    std::fputs(text.c_str(), f);
    std::fclose(f);
    app::Settings settings = app::Settings::load(cfg);
    s->wiring = std::make_unique<app::Wiring>(settings);
    s->wiring->warm();
    s->wiring->tokens->bootstrapAdmin(s->adminToken);
    app::Wiring& w = *s->wiring;
    web::WebSettings web;
    web.publicBaseUrl = settings.publicBaseUrl;
    web.templatesDir = settings.templatesDir;
    s->portal =
        std::make_unique<web::Portal>(web::Portal::Services{*w.portal, *w.applications, *w.keys,
                                                            *w.catalog, w.flows, *w.templates},
                                      web);
    s->portal->setAbuse(w.abuse.get(), w.clientSource);
    web::Portal* pages = s->portal.get();
    s->api = std::make_unique<api::HttpApi>(
        w.apiServices(), settings.gateway, settings.httpMaxBodyBytes, [] { return std::string(); },
        [pages](api::Router& r) { pages->install(r); });
    auto gw = s->wiring->tokens->create(engine::Role::Gateway, "", "", "fuzz gateway");
    if (!gw) std::abort();
    s->gatewayToken = gw.value().plaintext;
    // A client, an API, a group and a key for the requests to find.
    std::string out;
    s->admin("POST", "/v1/clients", R"({"id":"c1","name":"Client One","clientType":"web"})", out);
    s->admin("POST", "/v1/apis",
             R"({"id":"orders","name":"Orders","method":"GET","path":"/orders/{id}"})", out);
    s->admin("POST", "/v1/groups", R"({"id":"g1","name":"G","apis":["orders"]})", out);
    if (s->admin("POST", "/v1/keys", R"({"clientId":"c1","name":"k","apis":["orders"]})", out) !=
        201)
      std::abort();
    auto field = [&](const std::string& name) {
      size_t at = out.find("\"" + name + "\":\"");
      if (at == std::string::npos) std::abort();
      at += name.size() + 4;
      return out.substr(at, out.find('"', at) - at);
    };
    s->key = field("key");
    s->keyId = field("id");
    return s;
  }
};

}  // namespace keywarden::fuzz
