// Issue 16 "Brute force and abuse": failed key checks are counted per client address (from a
// trusted proxy's X-Forwarded-For, else the peer) and per key start; past the thresholds the
// check is answered TOO_MANY_ATTEMPTS from memory on both listeners, while other clients and
// the key's holder are checked as usual; a metric, one audit row per block and
// GET /v1/bad-attempts show it. Forged approver and sign-in links get the same treatment.
#include <Poco/JSON/Array.h>

#include <string>
#include <vector>

#include "engine/crypto/KeyCodec.h"
#include "tests/integration/Fixture.h"
#include "tests/support/TempDir.h"

using namespace keywarden;
using namespace keywarden::test;

namespace {
// A well-formed key that no store holds: NOT_FOUND.
std::string unknownKey() {
  return engine::KeyCodec::mint("kw").plaintext;
}
}  // namespace

class AbuseTest : public Fixture {
  CPPUNIT_TEST_SUITE(AbuseTest);
  CPPUNIT_TEST(badKeysFromOneClientBlockItOnBothListenersOthersStayValid);
  CPPUNIT_TEST(blockIsShownByMetricAuditRowAndBadAttemptsView);
  CPPUNIT_TEST(trustedProxysForwardedAddressesAreCountedApart);
  CPPUNIT_TEST(keyStartBlockRefusesGuessersButNotTheKeysHolder);
  CPPUNIT_TEST(proxyThatForwardsNoAddressIsNeverBlocked);
  CPPUNIT_TEST(forgedApproverLinksAreBlockedWithA429Page);
  CPPUNIT_TEST(unknownSigninLinksAreBlockedWithA429Page);
  CPPUNIT_TEST(badAttemptsViewChecksItsQueryAndRole);
  CPPUNIT_TEST(unknownAccessTokensBlockTheClientOnTheApi);
  CPPUNIT_TEST_SUITE_END();

 public:
  int gwPort = 0;

  std::map<std::string, std::string> settings() override {
    gwPort = freePort();
    return {{"gateway.port", std::to_string(gwPort)},
            {"abuse.sourceFailures", "5"},
            {"abuse.prefixFailures", "5"},
            {"abuse.linkFailures", "3"},
            {"abuse.blockFor", "10m"}};
  }

  HttpResponse auth(const std::string& key, const std::string& client, int port = 0) {
    std::vector<std::pair<std::string, std::string>> h = {{"X-API-Key", key}};
    if (!client.empty()) h.push_back({"X-Forwarded-For", client});
    HttpClient c("127.0.0.1", port ? port : server->port());
    return c.request("GET", "/v1/gateway/auth", "", h);
  }
  HttpResponse verifyFrom(const std::string& key, const std::string& client, int port = 0) {
    HttpClient c("127.0.0.1", port ? port : server->port());
    return c.request("POST", "/v1/keys/verify", "{\"key\":\"" + key + "\"}",
                     {{"X-Forwarded-For", client}});
  }
  std::string metric(const std::string& line) {
    std::string text = server->client().request("GET", "/metrics").body;
    size_t at = text.find("\n" + line + " ");
    if (at == std::string::npos) return "";
    size_t start = at + line.size() + 2;
    return text.substr(start, text.find('\n', start) - start);
  }

  void badKeysFromOneClientBlockItOnBothListenersOthersStayValid() {
    std::string good = newKey().second;
    for (int i = 0; i < 5; ++i) {
      HttpResponse r = auth(unknownKey(), "203.0.113.7");
      CPPUNIT_ASSERT_EQUAL(401, r.status);
      CPPUNIT_ASSERT_EQUAL(std::string("NOT_FOUND"), r.header("X-Keywarden-Code"));
    }
    // Blocked: even a good key from that client, on http.port and on gateway.port.
    for (int port : {server->port(), gwPort}) {
      HttpResponse r = auth(good, "203.0.113.7", port);
      CPPUNIT_ASSERT_EQUAL(403, r.status);  // gateway.rateLimitStatus (nginx-safe)
      CPPUNIT_ASSERT_EQUAL(std::string("TOO_MANY_ATTEMPTS"), r.header("X-Keywarden-Code"));
      CPPUNIT_ASSERT_EQUAL(std::string("client-address"), r.header("X-Keywarden-Blocked"));
      int retry = std::stoi(r.header("Retry-After"));
      CPPUNIT_ASSERT(retry > 590 && retry <= 600);
      CPPUNIT_ASSERT_EQUAL(std::string("no-store"), r.header("Cache-Control"));
      HttpResponse v = verifyFrom(good, "203.0.113.7", port);
      CPPUNIT_ASSERT_EQUAL(200, v.status);
      CPPUNIT_ASSERT_EQUAL(std::string("TOO_MANY_ATTEMPTS"),
                           v.json()->getValue<std::string>("code"));
      CPPUNIT_ASSERT(!v.json()->getValue<bool>("valid"));
      CPPUNIT_ASSERT(v.json()->getValue<int64_t>("retryAfterMs") > 590000);
      CPPUNIT_ASSERT(!v.header("Retry-After").empty());
    }
    // Another client with the good key: VALID, on both listeners.
    for (int port : {server->port(), gwPort}) {
      HttpResponse r = auth(good, "198.51.100.1", port);
      CPPUNIT_ASSERT_EQUAL(200, r.status);
      CPPUNIT_ASSERT_EQUAL(std::string("VALID"), r.header("X-Keywarden-Code"));
    }
  }

  void blockIsShownByMetricAuditRowAndBadAttemptsView() {
    for (int i = 0; i < 8; ++i) auth(unknownKey(), "203.0.113.8", i % 2 ? gwPort : 0);
    CPPUNIT_ASSERT_EQUAL(std::string("1"),
                         metric("keywarden_abuse_blocks_total{table=\"source\"}"));
    CPPUNIT_ASSERT_EQUAL(std::string("3"),
                         metric("keywarden_abuse_refused_total{table=\"source\"}"));
    CPPUNIT_ASSERT_EQUAL(std::string("3"),
                         metric("keywarden_verifications_total{code=\"TOO_MANY_ATTEMPTS\"}"));
    CPPUNIT_ASSERT_EQUAL(std::string("1"), metric("keywarden_abuse_blocked{table=\"source\"}"));
    // One audit row for the episode, written in the background.
    CPPUNIT_ASSERT(eventually([&] {
      return server->sql(
                 "SELECT COUNT(*) FROM audit_log WHERE action = 'abuse.blocked' AND "
                 "object_id = '203.0.113.8'") == "1";
    }));
    auth(unknownKey(), "203.0.113.8");  // more refusals: still one row
    HttpResponse v = admin("GET", "/v1/bad-attempts?table=source&blocked=true");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(v.body, 200, v.status);
    auto rows = v.json()->getArray("attempts");
    CPPUNIT_ASSERT_EQUAL(size_t(1), rows->size());
    auto row = rows->getObject(0);
    CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.8"), row->getValue<std::string>("clientAddress"));
    CPPUNIT_ASSERT_EQUAL(5, row->getValue<int>("failures"));
    CPPUNIT_ASSERT_EQUAL(4, row->getValue<int>("refused"));
    CPPUNIT_ASSERT(!row->isNull("blockedUntil"));
    CPPUNIT_ASSERT(!row->getValue<std::string>("firstSeen").empty());
    CPPUNIT_ASSERT_EQUAL(std::string("1"),
                         server->sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                                     "'abuse.blocked'"));
    // The audit row names the address, never a key.
    CPPUNIT_ASSERT(server->sql("SELECT detail FROM audit_log WHERE action = 'abuse.blocked'")
                       .find("\"failures\":5") != std::string::npos);
  }

  void trustedProxysForwardedAddressesAreCountedApart() {
    // The test client is 127.0.0.1, in the default abuse.trustedProxies: each forwarded address
    // is its own client, none reaches the threshold.
    std::string good = newKey().second;
    for (int i = 0; i < 20; ++i) auth(unknownKey(), "192.0.2." + std::to_string(i));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), auth(good, "192.0.2.1").header("X-Keywarden-Code"));
    CPPUNIT_ASSERT_EQUAL(std::string("0"),
                         metric("keywarden_abuse_blocks_total{table=\"source\"}"));
    // The right-most untrusted hop counts: what the client wrote on the left does not.
    for (int i = 0; i < 5; ++i) auth(unknownKey(), "10.0.0." + std::to_string(i) + ", 192.0.2.99");
    CPPUNIT_ASSERT_EQUAL(std::string("TOO_MANY_ATTEMPTS"),
                         auth(good, "1.1.1.1, 192.0.2.99").header("X-Keywarden-Code"));
  }

  void keyStartBlockRefusesGuessersButNotTheKeysHolder() {
    std::string good = newKey().second;
    std::string start = good.substr(0, 7);  // kw_ + 4
    // Five guessers (one failure each) try keys that begin like the good one.
    for (int i = 0; i < 5; ++i) {
      std::string guess = good;
      guess[20] = guess[20] == 'A' ? 'B' : 'A';  // checksum fails: MALFORMED
      HttpResponse r = auth(guess, "203.0.113." + std::to_string(100 + i));
      CPPUNIT_ASSERT_EQUAL(std::string("MALFORMED"), r.header("X-Keywarden-Code"));
    }
    HttpResponse g = auth(good, "203.0.113.100");  // a guesser: refused without a check
    CPPUNIT_ASSERT_EQUAL(std::string("TOO_MANY_ATTEMPTS"), g.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT_EQUAL(std::string("key-start"), g.header("X-Keywarden-Blocked"));
    // The holder, who never failed, is checked as usual.
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"),
                         auth(good, "198.51.100.50").header("X-Keywarden-Code"));
    auto rows = admin("GET", "/v1/bad-attempts?table=prefix").json()->getArray("attempts");
    CPPUNIT_ASSERT_EQUAL(size_t(1), rows->size());
    CPPUNIT_ASSERT_EQUAL(start, rows->getObject(0)->getValue<std::string>("keyStart"));
  }

  void proxyThatForwardsNoAddressIsNeverBlocked() {
    // 127.0.0.1 is a trusted proxy by default; without X-Forwarded-For the client is unknown.
    std::string good = newKey().second;
    for (int i = 0; i < 12; ++i) auth(unknownKey(), "");
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), auth(good, "").header("X-Keywarden-Code"));
  }

  void forgedApproverLinksAreBlockedWithA429Page() {
    HttpClient c("127.0.0.1", server->port());
    const std::string forged = "/approvals/v1.Zm9yZ2VkLXRva2VuLXRoYXQtbm9ib2R5LXNpZ25lZA.abc";
    for (int i = 0; i < 3; ++i)
      CPPUNIT_ASSERT_EQUAL(
          404, c.request("GET", forged, "", {{"X-Forwarded-For", "203.0.113.30"}}).status);
    HttpResponse b = c.request("GET", forged, "", {{"X-Forwarded-For", "203.0.113.30"}});
    CPPUNIT_ASSERT_EQUAL(429, b.status);
    CPPUNIT_ASSERT(!b.header("Retry-After").empty());
    CPPUNIT_ASSERT(b.body.find("Too many failed attempts") != std::string::npos);
    CPPUNIT_ASSERT(!b.header("Content-Security-Policy").empty());
    HttpResponse post =
        c.request("POST", forged, "decision=approve", {{"X-Forwarded-For", "203.0.113.30"}},
                  "application/x-www-form-urlencoded");
    CPPUNIT_ASSERT_EQUAL(429, post.status);
    // Another client still gets the forged-link page.
    CPPUNIT_ASSERT_EQUAL(
        404, c.request("GET", forged, "", {{"X-Forwarded-For", "203.0.113.31"}}).status);
    CPPUNIT_ASSERT_EQUAL(std::string("1"), metric("keywarden_abuse_blocks_total{table=\"link\"}"));
    CPPUNIT_ASSERT(eventually([&] {
      return server->sql(
                 "SELECT COUNT(*) FROM audit_log WHERE action = 'abuse.blocked' AND "
                 "object_id = '203.0.113.30'") == "1";
    }));
  }

  void unknownSigninLinksAreBlockedWithA429Page() {
    HttpClient c("127.0.0.1", server->port());
    const std::string link = "/signin/" + std::string(43, 'Q');
    for (int i = 0; i < 3; ++i)
      CPPUNIT_ASSERT_EQUAL(
          404, c.request("GET", link, "", {{"X-Forwarded-For", "203.0.113.40"}}).status);
    HttpResponse b = c.request("GET", link, "", {{"X-Forwarded-For", "203.0.113.40"}});
    CPPUNIT_ASSERT_EQUAL(429, b.status);
    CPPUNIT_ASSERT(!b.header("Retry-After").empty());
    // The sign-in form's POST from that address is refused too, before any work.
    CPPUNIT_ASSERT_EQUAL(
        429, c.request("POST", "/signin", "email=a%40example.com",
                       {{"X-Forwarded-For", "203.0.113.40"}}, "application/x-www-form-urlencoded")
                 .status);
    CPPUNIT_ASSERT_EQUAL(404,
                         c.request("GET", link, "", {{"X-Forwarded-For", "203.0.113.41"}}).status);
  }

  void badAttemptsViewChecksItsQueryAndRole() {
    CPPUNIT_ASSERT_EQUAL(400, admin("GET", "/v1/bad-attempts?table=keys").status);
    CPPUNIT_ASSERT_EQUAL(std::string("table"), admin("GET", "/v1/bad-attempts?table=keys")
                                                   .json()
                                                   ->getObject("error")
                                                   ->getValue<std::string>("field"));
    CPPUNIT_ASSERT_EQUAL(400, admin("GET", "/v1/bad-attempts?limit=0").status);
    CPPUNIT_ASSERT_EQUAL(400, admin("GET", "/v1/bad-attempts?limit=1001").status);
    CPPUNIT_ASSERT_EQUAL(400, admin("GET", "/v1/bad-attempts?blocked=yes").status);
    CPPUNIT_ASSERT_EQUAL(400, admin("GET", "/v1/bad-attempts?since=1").status);
    CPPUNIT_ASSERT_EQUAL(401, server->client().request("GET", "/v1/bad-attempts").status);
    std::string tenantAdmin = token("--role admin --tenant acme --name t");
    CPPUNIT_ASSERT_EQUAL(403, as(tenantAdmin, "GET", "/v1/bad-attempts").status);
    HttpResponse ok = admin("GET", "/v1/bad-attempts?limit=5");
    CPPUNIT_ASSERT_EQUAL(200, ok.status);
    CPPUNIT_ASSERT_EQUAL(size_t(0), ok.json()->getArray("attempts")->size());
  }

  void unknownAccessTokensBlockTheClientOnTheApi() {
    HttpClient c("127.0.0.1", server->port());
    auto get = [&](const std::string& token, const std::string& client) {
      return c.request("GET", "/v1/keys", "",
                       {{"Authorization", "Bearer " + token}, {"X-Forwarded-For", client}});
    };
    for (int i = 0; i < 3; ++i) {
      HttpResponse r =
          get("guess" + std::to_string(i) + "xxxxxxxxxxxxxxxxxxxxxxxxx", "203.0.113.50");
      CPPUNIT_ASSERT_EQUAL(401, r.status);
    }
    HttpResponse blocked = get(server->adminToken(), "203.0.113.50");  // even the right token
    CPPUNIT_ASSERT_EQUAL_MESSAGE(blocked.body, 429, blocked.status);
    CPPUNIT_ASSERT_EQUAL(std::string("TOO_MANY_ATTEMPTS"), blocked.errorCode());
    CPPUNIT_ASSERT(std::stoi(blocked.header("Retry-After")) > 590);
    CPPUNIT_ASSERT_EQUAL(200, get(server->adminToken(), "203.0.113.51").status);
    // No token at all is a mistake, not a guess: not counted.
    for (int i = 0; i < 5; ++i)
      CPPUNIT_ASSERT_EQUAL(
          401, c.request("GET", "/v1/keys", "", {{"X-Forwarded-For", "203.0.113.52"}}).status);
    CPPUNIT_ASSERT_EQUAL(200, get(server->adminToken(), "203.0.113.52").status);
  }
};

// An untrusted peer's X-Forwarded-For is not believed: everything it sends counts under its
// own address.
class AbuseUntrustedPeerTest : public AbuseTest {
  CPPUNIT_TEST_SUITE(AbuseUntrustedPeerTest);
  CPPUNIT_TEST(untrustedPeersForwardedAddressIsIgnored);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    auto s = AbuseTest::settings();
    s["abuse.trustedProxies"] = "10.0.0.0/8";
    return s;
  }
  void untrustedPeersForwardedAddressIsIgnored() {
    std::string good = newKey().second;
    for (int i = 0; i < 5; ++i) auth(unknownKey(), "192.0.2." + std::to_string(i));
    HttpResponse r = auth(good, "198.51.100.77");
    CPPUNIT_ASSERT_EQUAL(std::string("TOO_MANY_ATTEMPTS"), r.header("X-Keywarden-Code"));
    auto rows = admin("GET", "/v1/bad-attempts?table=source").json()->getArray("attempts");
    CPPUNIT_ASSERT_EQUAL(size_t(1), rows->size());
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"),
                         rows->getObject(0)->getValue<std::string>("clientAddress"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AbuseTest);
CPPUNIT_TEST_SUITE_REGISTRATION(AbuseUntrustedPeerTest);
