#include <Poco/Net/StreamSocket.h>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

// Forward-auth over HTTP, as Traefik and Envoy call it (nginx has its own end-to-end test).
class GatewayAuthTest : public Fixture {
  CPPUNIT_TEST_SUITE(GatewayAuthTest);
  CPPUNIT_TEST(validKeyAnswers200WithIdentityHeaders);
  CPPUNIT_TEST(originalRequestComesFromForwardedHeadersOrThePath);
  CPPUNIT_TEST(refusalsCarryTheirCode);
  CPPUNIT_TEST(rateLimitAnswers403ByDefault);
  CPPUNIT_TEST(pathTricksAreRefusedNotMatched);
  CPPUNIT_TEST(postWithoutContentLengthDoesNotHang);
  CPPUNIT_TEST(costZeroOnASpentQuotaIsUsageExceeded);
  CPPUNIT_TEST_SUITE_END();

 public:
  HttpResponse auth(const std::string& path,
                    std::vector<std::pair<std::string, std::string>> headers,
                    const std::string& method = "GET") {
    return server->client().request(method, path, "", headers);
  }

  void validKeyAnswers200WithIdentityHeaders() {
    // A key with scopes is restricted: it needs a registered API it holds, here everything.
    admin("POST", "/v1/apis", R"({"id":"all","name":"All","path":"/*","scopes":["a:read"]})");
    auto [id, key] =
        newKey(R"({"clientId":"c1","name":"k","scopes":["a:read","b:read"],"quota":5})");
    HttpResponse r = auth("/v1/gateway/auth", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT_EQUAL(id, r.header("X-Keywarden-Key-Id"));
    CPPUNIT_ASSERT_EQUAL(std::string("c1"), r.header("X-Keywarden-Client-Id"));
    CPPUNIT_ASSERT_EQUAL(std::string("a:read,b:read"), r.header("X-Keywarden-Scopes"));
    CPPUNIT_ASSERT_EQUAL(std::string("4"), r.header("X-Keywarden-Remaining"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), r.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"apikey", key}}).status);
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"X-TLM-Key", key}}).status);
    CPPUNIT_ASSERT_EQUAL(200,
                         auth("/v1/gateway/auth", {{"Authorization", "Bearer " + key}}).status);
    // query strings are off by default: they end up in access logs
    CPPUNIT_ASSERT_EQUAL(401, auth("/v1/gateway/auth?key=" + key, {}).status);
  }

  void originalRequestComesFromForwardedHeadersOrThePath() {
    admin(
        "POST", "/v1/apis",
        R"({"id":"orders","name":"O","method":"GET","path":"/orders/{id}","scopes":["orders:read"]})");
    auto [id, key] = newKey(R"({"clientId":"c1","name":"k","scopes":["orders:read"]})");
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"X-API-Key", key},
                                                        {"X-Forwarded-Method", "GET"},
                                                        {"X-Forwarded-Uri", "/orders/9?x=1"}})
                                  .status);
    CPPUNIT_ASSERT_EQUAL(403, auth("/v1/gateway/auth", {{"X-API-Key", key},
                                                        {"X-Forwarded-Method", "DELETE"},
                                                        {"X-Forwarded-Uri", "/orders/9"}})
                                  .status);
    // Envoy ext_authz keeps the method and appends the original path after a prefix.
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth/orders/9", {{"X-API-Key", key}}).status);
    CPPUNIT_ASSERT_EQUAL(403,
                         auth("/v1/gateway/auth/orders/9", {{"X-API-Key", key}}, "POST").status);
    CPPUNIT_ASSERT_EQUAL(403, auth("/v1/gateway/auth/billing", {{"X-API-Key", key}}).status);
  }

  void refusalsCarryTheirCode() {
    auto [id, key] = newKey();
    HttpResponse missing = auth("/v1/gateway/auth", {});
    CPPUNIT_ASSERT_EQUAL(401, missing.status);
    CPPUNIT_ASSERT_EQUAL(std::string("MALFORMED"), missing.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT(!missing.header("WWW-Authenticate").empty());
    std::string bad = key;
    bad[12] = bad[12] == 'Q' ? 'R' : 'Q';
    CPPUNIT_ASSERT_EQUAL(std::string("MALFORMED"),
                         auth("/v1/gateway/auth", {{"X-API-Key", bad}}).header("X-Keywarden-Code"));
    admin("POST", "/v1/keys/" + id + "/disable");
    HttpResponse d = auth("/v1/gateway/auth", {{"secret", key}});
    CPPUNIT_ASSERT_EQUAL(403, d.status);
    CPPUNIT_ASSERT_EQUAL(std::string("DISABLED"), d.header("X-Keywarden-Code"));
    auto [id2, quotaKey] = newKey(R"({"clientId":"c1","name":"q","quota":1})");
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"client-key", quotaKey}}).status);
    HttpResponse spent = auth("/v1/gateway/auth", {{"client-key", quotaKey}});
    CPPUNIT_ASSERT_EQUAL(403, spent.status);
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), spent.header("X-Keywarden-Code"));
  }

  void rateLimitAnswers403ByDefault() {
    auto [id, key] =
        newKey(R"({"clientId":"c1","name":"k","rateLimit":{"limit":2,"window":"1m"}})");
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"X-API-Key", key}}).status);
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"X-API-Key", key}}).status);
    HttpResponse limited = auth("/v1/gateway/auth", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL(403, limited.status);
    CPPUNIT_ASSERT_EQUAL(std::string("RATE_LIMITED"), limited.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT(!limited.header("Retry-After").empty());
  }

  void pathTricksAreRefusedNotMatched() {
    admin("POST", "/v1/apis", R"({"id":"orders","name":"O","method":"GET","path":"/orders/*"})");
    admin("POST", "/v1/apis", R"({"id":"admin","name":"A","method":"GET","path":"/admin/*"})");
    auto [id, key] = newKey(R"({"clientId":"c1","name":"k","apis":["orders"]})");
    auto code = [&](const std::string& uri,
                    std::vector<std::pair<std::string, std::string>> extra = {}) {
      extra.emplace_back("X-API-Key", key);
      if (!uri.empty()) extra.emplace_back("X-Original-URI", uri);
      HttpResponse r = auth("/v1/gateway/auth", extra);
      CPPUNIT_ASSERT_MESSAGE(uri + " -> " + std::to_string(r.status),
                             r.status == 200 || r.status == 403);
      return r.header("X-Keywarden-Code");
    };
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), code("/orders/1"));
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), code("/admin/users"));
    for (const char* trick :
         {"/orders/../admin/users", "/orders/%2e%2e/admin/users", "/orders%2F..%2Fadmin/users",
          "/orders/./1", "/orders\\..\\admin", "/orders/%zz", "/orders/%5c..%5cadmin"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(trick, std::string("FORBIDDEN"), code(trick));
    // One header family from the gateway, another from the client: the call is refused.
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"),
                         code("/orders/1", {{"X-Forwarded-Uri", "/admin/users"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"),
                         code("/orders/1", {{"X-Forwarded-Uri", "/orders/1"}}));
    HttpResponse v = server->client().request(
        "POST", "/v1/keys/verify",
        R"({"key":")" + key + R"(","method":"GET","path":"/orders/../admin/x"})");
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), v.json()->getValue<std::string>("code"));
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/keys/%zz").status);
  }

  void postWithoutContentLengthDoesNotHang() {
    auto [id, key] = newKey();
    Poco::Net::StreamSocket socket(
        Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(server->port())));
    socket.setReceiveTimeout(Poco::Timespan(5, 0));
    std::string req = "POST /v1/keys/" + id +
                      "/disable HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                      server->adminToken() + "\r\n\r\n";
    socket.sendBytes(req.data(), static_cast<int>(req.size()));
    char buf[512];
    int n = socket.receiveBytes(buf, sizeof buf);  // throws on the 5 s timeout
    CPPUNIT_ASSERT(n > 12);
    CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200"), std::string(buf, 12));
  }

  void costZeroOnASpentQuotaIsUsageExceeded() {
    auto [id, key] = newKey(R"({"clientId":"c1","name":"k","quota":1})");
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key, R"(,"cost":0)"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), verify(key, R"(,"cost":0)"));
  }
};

// The same server with gateway.rateLimitStatus=429 and gateway.requireToken=true.
class GatewayStrictTest : public Fixture {
  CPPUNIT_TEST_SUITE(GatewayStrictTest);
  CPPUNIT_TEST(rateLimitAnswers429WithRetryAfter);
  CPPUNIT_TEST(gatewayTokenIsRequiredAndScopesTheTenant);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    return {{"gateway.rateLimitStatus", "429"},
            {"gateway.requireToken", "true"},
            {"gateway.keyHeaders", "X-API-Key,query:api_key"}};
  }

  void rateLimitAnswers429WithRetryAfter() {
    std::string gw = token("--role gateway");
    auto [id, key] =
        newKey(R"({"clientId":"c1","name":"k","rateLimit":{"limit":1,"window":"30s"}})");
    auto call = [&] {
      return server->client().request("GET", "/v1/gateway/auth", "",
                                      {{"X-API-Key", key}, {"X-Gateway-Token", gw}});
    };
    CPPUNIT_ASSERT_EQUAL(200, call().status);
    HttpResponse limited = call();
    CPPUNIT_ASSERT_EQUAL(429, limited.status);
    int retry = std::stoi(limited.header("Retry-After"));
    CPPUNIT_ASSERT(retry >= 29 && retry <= 30);
    HttpResponse q = server->client().request("GET", "/v1/gateway/auth?api_key=" + key, "",
                                              {{"X-Gateway-Token", gw}});
    CPPUNIT_ASSERT_EQUAL(429, q.status);  // the query source is on here, and the key is the same
  }

  void gatewayTokenIsRequiredAndScopesTheTenant() {
    auto [id, key] = newKey();
    HttpResponse none =
        server->client().request("GET", "/v1/gateway/auth", "", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL(401, none.status);
    HttpResponse v =
        server->client().request("POST", "/v1/keys/verify", R"({"key":")" + key + "\"}");
    CPPUNIT_ASSERT_EQUAL(401, v.status);
    CPPUNIT_ASSERT_EQUAL(std::string("UNAUTHENTICATED"), v.errorCode());
    std::string requester = token("--role requester --email dev@example.com");
    CPPUNIT_ASSERT_EQUAL(401, server->client()
                                  .request("GET", "/v1/gateway/auth", "",
                                           {{"X-API-Key", key}, {"X-Gateway-Token", requester}})
                                  .status);
    std::string acme = token("--role gateway --tenant acme");
    HttpResponse other = server->client().request("GET", "/v1/gateway/auth", "",
                                                  {{"X-API-Key", key}, {"X-Gateway-Token", acme}});
    CPPUNIT_ASSERT_EQUAL(401, other.status);
    CPPUNIT_ASSERT_EQUAL(std::string("NOT_FOUND"), other.header("X-Keywarden-Code"));
    std::string all = token("--role gateway");
    HttpResponse ok = server->client().request(
        "POST", "/v1/keys/verify", R"({"key":")" + key + "\"}", {{"X-Gateway-Token", all}});
    CPPUNIT_ASSERT(ok.json()->getValue<bool>("valid"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayAuthTest);
CPPUNIT_TEST_SUITE_REGISTRATION(GatewayStrictTest);
