// Issue 14 "A cache recipe": forward-auth says when its answer may be reused. Cache-Control:
// max-age=N only on a VALID answer about a key without rate limit or quota, with N at most
// gateway.cacheSeconds and the key's remaining validity (expiry, scheduled revocation);
// no-store on every other answer — and on every answer while gateway.cacheSeconds is 0.
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <string>

#include "tests/integration/Fixture.h"
#include "tests/support/RawHttp.h"
#include "tests/support/TempDir.h"

using namespace keywarden::test;

namespace {
std::string inSeconds(int s) {
  Poco::Timestamp t;
  t += static_cast<Poco::Timestamp::TimeDiff>(s) * 1000000;
  return Poco::DateTimeFormatter::format(t, "%Y-%m-%dT%H:%M:%SZ");
}
}  // namespace

class GatewayCacheTest : public Fixture {
  CPPUNIT_TEST_SUITE(GatewayCacheTest);
  CPPUNIT_TEST(unlimitedValidKeyIsCacheableForCacheSeconds);
  CPPUNIT_TEST(maxAgeNeverOutlivesTheKey);
  CPPUNIT_TEST(keysWithRateLimitOrQuotaAreNeverCacheable);
  CPPUNIT_TEST(refusalsAreNeverCacheable);
  CPPUNIT_TEST_SUITE_END();

 public:
  int gwPort = 0;
  std::map<std::string, std::string> settings() override {
    gwPort = freePort();
    return {{"gateway.cacheSeconds", "30"}, {"gateway.port", std::to_string(gwPort)}};
  }

  // Cache-Control of a forward-auth answer for `key`, on both listeners (they must agree).
  std::string cacheControl(const std::string& key, const std::string& uri = "/orders/1",
                           int status = 0) {
    const std::string bytes = "GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\nX-API-Key: " + key +
                              "\r\nX-Original-Method: GET\r\nX-Original-URI: " + uri + "\r\n\r\n";
    HttpResponse a = RawHttp::exchange(server->port(), bytes, 5000);
    HttpResponse b = RawHttp::exchange(gwPort, bytes, 5000);
    CPPUNIT_ASSERT_EQUAL(a.status, b.status);
    if (status) CPPUNIT_ASSERT_EQUAL_MESSAGE(a.header("X-Keywarden-Code"), status, a.status);
    CPPUNIT_ASSERT_EQUAL(a.header("Cache-Control"), b.header("Cache-Control"));
    return a.header("Cache-Control");
  }

  void unlimitedValidKeyIsCacheableForCacheSeconds() {
    std::string key = newKey().second;
    CPPUNIT_ASSERT_EQUAL(std::string("max-age=30"), cacheControl(key, "/orders/1", 200));
  }

  void maxAgeNeverOutlivesTheKey() {
    std::string key =
        newKey(R"({"clientId":"c1","name":"k","expiresAt":")" + inSeconds(12) + "\"}").second;
    std::string cc = cacheControl(key, "/orders/1", 200);
    CPPUNIT_ASSERT_MESSAGE(cc, cc.rfind("max-age=", 0) == 0);
    int n = std::stoi(cc.substr(8));
    CPPUNIT_ASSERT_MESSAGE(cc, n >= 1 && n <= 12);
  }

  void keysWithRateLimitOrQuotaAreNeverCacheable() {
    std::string rated =
        newKey(R"({"clientId":"c1","name":"r","rateLimit":{"limit":100,"window":"1m"}})").second;
    CPPUNIT_ASSERT_EQUAL(std::string("no-store"), cacheControl(rated, "/orders/1", 200));
    std::string quota = newKey(R"({"clientId":"c1","name":"q","quota":100})").second;
    CPPUNIT_ASSERT_EQUAL(std::string("no-store"), cacheControl(quota, "/orders/1", 200));
  }

  void refusalsAreNeverCacheable() {
    CPPUNIT_ASSERT_EQUAL(std::string("no-store"),
                         cacheControl("kw_nosuchkey0000000000000000000000000", "/orders/1", 401));
    std::string key = newKey().second;
    CPPUNIT_ASSERT_EQUAL(std::string("no-store"), cacheControl(key, "/orders/%2e%2e/x", 403));
    auto [id, revoked] = newKey();
    HttpResponse r = admin("POST", "/v1/keys/" + id + "/revoke", R"({"reason":"test"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("no-store"), cacheControl(revoked, "/orders/1", 403));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayCacheTest);
