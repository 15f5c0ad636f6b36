#include <string>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

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
    auto idKeyPair =
        newKey(R"({"clientId":"c1","name":"k","rateLimit":{"limit":1,"window":"30s"}})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
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
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
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

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayStrictTest);
