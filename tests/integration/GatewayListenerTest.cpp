// Issue 14: the event-driven listener on gateway.port answers /v1/gateway/auth and
// POST /v1/keys/verify exactly as http.port does — the same refusals of raw headers and framing,
// the same reading of the original request, the same answers and codes — with keep-alive and
// pipelining, and idle connections never hold a check back.
#include <Poco/String.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/Fixture.h"
#include "tests/support/RawHttp.h"
#include "tests/support/TempDir.h"

using namespace keywarden::test;

class GatewayListenerTest : public Fixture {
  CPPUNIT_TEST_SUITE(GatewayListenerTest);
  CPPUNIT_TEST(bothPortsGiveTheSameAnswersToTheSameBytes);
  CPPUNIT_TEST(pipelinedRequestsAreAnsweredInOrderOnOneConnection);
  CPPUNIT_TEST(aCheckAnswersWhileThreeHundredIdleConnectionsAreOpen);
  CPPUNIT_TEST(anUnfinishedHeaderAnswers408AfterTheHeaderTimeout);
  CPPUNIT_TEST(aVerifyBodyThatStopsAnswers400AfterTheBodyTimeout);
  CPPUNIT_TEST(otherPathsAre404AndChecksAreCountedInTheMetrics);
  CPPUNIT_TEST(withoutCacheSecondsEveryAnswerIsNoStore);
  CPPUNIT_TEST(secondServerOnTheSameGatewayPortIsRefusedWithOneLine);
  CPPUNIT_TEST_SUITE_END();

 public:
  int gwPort = 0;
  std::string key;

  std::map<std::string, std::string> settings() override {
    gwPort = freePort();
    return {{"gateway.port", std::to_string(gwPort)},
            {"http.headerTimeout", "1s"},
            {"http.bodyTimeout", "1s"}};
  }

  void setUp() override {
    Fixture::setUp();
    key = keyForOneApi();
  }

  // What must match between the listeners: status, the Keywarden fields, the body and whether
  // the connection stays open (Date differs).
  static std::string summary(const HttpResponse& r) {
    std::string s = std::to_string(r.status);
    for (const char* h :
         {"X-Keywarden-Code", "X-Keywarden-Reason", "X-Keywarden-Key-Id", "X-Keywarden-Client-Id",
          "X-Keywarden-Scopes", "X-Keywarden-Remaining", "WWW-Authenticate", "Retry-After",
          "Content-Type", "Allow", "Cache-Control"})
      s += std::string(" | ") + h + "=" + r.header(h);
    s += " | connection=" + Poco::toLower(r.header("Connection"));
    return s + " | " + r.body;
  }

  std::string auth(const std::string& headers) {
    return "GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\n" + headers + "\r\n";
  }
  std::string verifyWith(const std::string& headers, const std::string& body) {
    return "POST /v1/keys/verify HTTP/1.1\r\nHost: gw\r\n" + headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  void bothPortsGiveTheSameAnswersToTheSameBytes() {
    const std::string k = "X-API-Key: " + key + "\r\n";
    const std::string okVerify = "{\"key\":\"" + key + "\"}";
    const std::vector<std::string> cases = {
        // answers of the check
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n"),
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/2\r\n"),
        auth("X-API-Key: kw_nosuchkey000000000000000000000\r\n"),
        auth(""),
        auth("Authorization: Bearer " + key +
             "\r\nX-Original-Method: GET\r\n"
             "X-Original-URI: /orders/1\r\n"),
        auth("Cookie: a=b; mia_client_key=" + key +
             "\r\nX-Forwarded-Method: GET\r\n"
             "X-Forwarded-Uri: /orders/1\r\n"),
        "GET /v1/gateway/auth/orders/1 HTTP/1.1\r\nHost: gw\r\n" + k + "\r\n",
        "DELETE /v1/gateway/auth/orders/1?x=1 HTTP/1.1\r\nHost: gw\r\n" + k + "\r\n",
        // the original request's rule (OriginalRequest, RequestTarget)
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/%2e%2e/1\r\n"),
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1;x\r\n"),
        auth(k + "X-Original-Method: get\r\nX-Original-URI: /orders/1\r\n"),
        auth(k + "X-Original-URI: /orders/1\r\n"),
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n"
                 "X-Original-URI: /orders/2\r\n"),
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n"
                 "X-Forwarded-Uri: /admin\r\nX-Forwarded-Method: GET\r\n"),
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n"
                 "X-HTTP-Method-Override: DELETE\r\n"),
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\nX-Rewrite-URL: /a\r\n"),
        "GET /v1/gateway/auth/orders/2 HTTP/1.1\r\nHost: gw\r\n" + k +
            "X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n\r\n",
        // raw-header refusals (RawHeaderCheck)
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/=?UTF-8?Q?1?=\r\n"),
        auth(k + "X-Something\r\n"),
        auth(k + "X-A: b\r\n c\r\n"),
        "GET /v1/gateway/auth HTTP/1.1\nHost: gw\n" + k + "\n",
        "GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\nX-A: b\nX-B: c\r\n" + k + "\r\n",
        "GET  /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\n" + k + "\r\n",
        auth(k + "X A: b\r\n"),
        auth(k + "X-Big: " + std::string(70000, 'a') + "\r\n"),
        // Poco's limits, kept on both
        auth(k + "X-Big: " + std::string(9000, 'a') + "\r\n"),
        // framing (RequestFraming)
        "GET /v1/gateway/auth HTTP/1.1\r\n" + k + "\r\n",
        "GET /v1/gateway/auth HTTP/1.1\r\nHost: a\r\nHost: b\r\n" + k + "\r\n",
        "GET /v1/gateway/auth HTTP/1.2\r\nHost: gw\r\n" + k + "\r\n",
        // Siblings once answered differently: 400 on gateway.port, 505 on http.port.
        "GET /v1/gateway/auth http/1.1\r\nHost: gw\r\n" + k + "\r\n",
        "GET /v1/gateway/auth XTTP/1.1\r\nHost: gw\r\n" + k + "\r\n",
        "GET /v1/gateway/auth HTTP\r\nHost: gw\r\n" + k + "\r\n",
        "GET /v1/gateway/auth HTTP/1.1x\r\nHost: gw\r\n" + k + "\r\n",
        // A bare CR inside a value: Poco's parse error on http.port (once BAD_HEADER here).
        auth(k + "X-A: b\rc\r\n"),
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1\rX-Original-URI: /a\r\n"),
        // Siblings of the override headers and of two keys (OriginalRequest, VerifyHandlers).
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n"
                 "X_HTTP_Method_Override: DELETE\r\n"),
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\nX_Original_URL: /a\r\n"),
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1?+_method=DELETE\r\n"),
        auth(k + "apikey: kw_nosuchkey000000000000000000000\r\n"),
        // A 0xFF byte, which Poco drops on http.port (once VALID there).
        auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1\xff\r\n"),
        "GET /v1/gateway/auth/orders/1\xff HTTP/1.1\r\nHost: gw\r\n" + k + "\r\n",
        "GET /v1/gateway/auth \xffHTTP/1.1\r\nHost: gw\r\n" + k + "\r\n",
        verifyWith("Content-Type: application/json\r\nContent-Length: 3\r\n", okVerify),
        verifyWith("Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", okVerify),
        "POST /v1/keys/verify HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /v1/keys/verify HTTP/1.1\r\nHost: gw\r\nContent-Length: +5\r\n\r\nhello",
        auth(k + "X-Ctl: a\x01"
                 "b\r\n"),
        // verify
        verifyWith("Content-Type: application/json\r\n", okVerify),
        verifyWith("Content-Type: application/json\r\n",
                   "{\"key\":\"" + key + "\",\"method\":\"GET\",\"path\":\"/orders/1\"}"),
        verifyWith("Content-Type: application/json\r\n",
                   "{\"key\":\"" + key + "\",\"method\":\"GET\",\"path\":\"/orders/%2F\"}"),
        verifyWith("Content-Type: text/plain\r\n", okVerify),
        verifyWith("Content-Type: application/json\r\n", "{\"key\":"),
        verifyWith("Content-Type: application/json\r\n", "{\"key\":\"x\",\"other\":1}"),
        verifyWith("Content-Type: application/json\r\n", std::string(1100000, ' ')),
        "HEAD /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\n" + k + "\r\n",
        "GET /v1/gateway/auth HTTP/1.0\r\n" + k + "\r\n",
        "GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n" + k + "\r\n",
    };
    int n = 0;
    for (const std::string& bytes : cases) {
      ++n;
      std::string onHttp = summary(RawHttp::exchange(server->port(), bytes, 5000));
      std::string onGateway = summary(RawHttp::exchange(gwPort, bytes, 5000));
      CPPUNIT_ASSERT_EQUAL_MESSAGE("case " + std::to_string(n) + ": " + bytes.substr(0, 200),
                                   onHttp, onGateway);
    }
  }

  void pipelinedRequestsAreAnsweredInOrderOnOneConnection() {
    const std::string k = "X-API-Key: " + key + "\r\n";
    RawHttp c(gwPort, 5000);
    c.send(auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n") +
           verifyWith("Content-Type: application/json\r\n", "{\"key\":\"nope\"}") +
           auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/2\r\n") +
           auth("X-API-Key: kw_other\r\n"));
    HttpResponse a = c.read(), b = c.read(), d = c.read(), e = c.read();
    CPPUNIT_ASSERT_EQUAL(200, a.status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), a.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(b.body, 200, b.status);
    CPPUNIT_ASSERT_EQUAL(std::string("MALFORMED"), b.json()->getValue<std::string>("code"));
    CPPUNIT_ASSERT_EQUAL(403, d.status);
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), d.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT_EQUAL(401, e.status);
    // Still open for more: keep-alive.
    c.send(auth(k + "X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n"));
    CPPUNIT_ASSERT_EQUAL(200, c.read().status);
  }

  void aCheckAnswersWhileThreeHundredIdleConnectionsAreOpen() {
    std::vector<std::unique_ptr<RawHttp>> idle;
    for (int i = 0; i < 300; ++i) idle.push_back(std::make_unique<RawHttp>(gwPort, 100));
    // Half of them kept alive after a request, half silent since their accept.
    for (int i = 0; i < 150; ++i) {
      idle[static_cast<size_t>(i)]->send(auth("X-API-Key: kw_idle\r\n"));
    }
    // A generous deadline (the header timeout is 1 s and idle sockets are only closed by their
    // own timers): the check must simply not wait for them.
    HttpResponse r = RawHttp::exchange(
        gwPort, verifyWith("Content-Type: application/json\r\n", "{\"key\":\"" + key + "\"}"),
        10000);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), r.json()->getValue<std::string>("code"));
    for (int i = 0; i < 150; ++i)
      CPPUNIT_ASSERT_EQUAL(401, idle[static_cast<size_t>(i)]->read().status);
  }

  void anUnfinishedHeaderAnswers408AfterTheHeaderTimeout() {
    RawHttp c(gwPort, 8000);
    c.send("GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\nX-A: ");
    HttpResponse r = c.read();
    CPPUNIT_ASSERT_EQUAL(408, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("REQUEST_TIMEOUT"), r.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT(c.closedWithin(5000));
    // A connection that never sends anything is closed without an answer.
    RawHttp silent(gwPort, 8000);
    CPPUNIT_ASSERT(silent.closedWithin(8000));
  }

  void aVerifyBodyThatStopsAnswers400AfterTheBodyTimeout() {
    RawHttp c(gwPort, 8000);
    c.send(
        "POST /v1/keys/verify HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
        "Content-Length: 40\r\n\r\n{\"key\":");
    HttpResponse r = c.read();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 400, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("BAD_FRAMING"), r.errorCode());
    CPPUNIT_ASSERT(c.closedWithin(5000));
  }

  // No SO_REUSEPORT: a second server cannot quietly take half of the gateway's connections.
  void secondServerOnTheSameGatewayPortIsRefusedWithOneLine() {
    ServerProcess second(
        std::map<std::string, std::string>{{"gateway.port", std::to_string(gwPort)}});
    CPPUNIT_ASSERT_THROW(second.start(), std::runtime_error);
    std::string log = second.log();
    CPPUNIT_ASSERT_MESSAGE(log, log.find("gateway.port: 127.0.0.1:" + std::to_string(gwPort) +
                                         " is already in use") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(log, !log.empty() && log.find('\n') == log.size() - 1);
    for (int i = 0; i < 20; ++i)
      CPPUNIT_ASSERT_EQUAL(401, RawHttp::exchange(gwPort, auth("")).status);
  }

  void withoutCacheSecondsEveryAnswerIsNoStore() {
    HttpResponse r = RawHttp::exchange(gwPort, auth("X-API-Key: " + key +
                                                    "\r\nX-Original-Method: "
                                                    "GET\r\nX-Original-URI: /orders/1\r\n"));
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("no-store"), r.header("Cache-Control"));
  }

  void otherPathsAre404AndChecksAreCountedInTheMetrics() {
    HttpResponse r = RawHttp::exchange(gwPort, "GET /v1/keys HTTP/1.1\r\nHost: gw\r\n\r\n");
    CPPUNIT_ASSERT_EQUAL(404, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("NOT_FOUND"), r.errorCode());
    r = RawHttp::exchange(gwPort, "GET /v1/keys/verify HTTP/1.1\r\nHost: gw\r\n\r\n");
    CPPUNIT_ASSERT_EQUAL(405, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("POST"), r.header("Allow"));
    for (int i = 0; i < 3; ++i)
      RawHttp::exchange(gwPort, auth("X-API-Key: " + key +
                                     "\r\nX-Original-Method: GET\r\n"
                                     "X-Original-URI: /orders/1\r\n"));
    HttpResponse m = server->client().request("GET", "/metrics");
    CPPUNIT_ASSERT_MESSAGE(m.body, m.body.find("keywarden_http_requests_total{route=\"/v1/gateway/"
                                               "auth\",status=\"200\"} 3") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(m.body, m.body.find("keywarden_verifications_total{code=\"VALID\"} 3") !=
                                       std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayListenerTest);

// The same comparison with gateway.requireToken and a 429 for rate-limited keys.
class GatewayListenerStrictTest : public GatewayListenerTest {
  CPPUNIT_TEST_SUITE(GatewayListenerStrictTest);
  CPPUNIT_TEST(tokensAndRateLimitsAnswerAlikeOnBothPorts);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    auto s = GatewayListenerTest::settings();
    s["gateway.requireToken"] = "true";
    s["gateway.rateLimitStatus"] = "429";
    return s;
  }

  void tokensAndRateLimitsAnswerAlikeOnBothPorts() {
    const std::string gw = token("--role gateway --name gw");
    const std::string limited =
        newKey(R"({"clientId":"c1","name":"r","rateLimit":{"limit":1,"window":"1h"}})").second;
    const std::string k = "X-API-Key: " + key + "\r\n";
    const std::string body = "{\"key\":\"" + key + "\"}";
    const std::vector<std::string> cases = {
        auth(k),
        auth(k + "X-Gateway-Token: " + gw + "\r\n"),
        auth(k + "X-Gateway-Token: kwt_wrong\r\n"),
        auth(k + "Authorization: Bearer " + gw + "\r\n"),
        verifyWith("Content-Type: application/json\r\n", body),
        verifyWith("Content-Type: application/json\r\nX-Gateway-Token: " + gw + "\r\n", body),
        auth("X-API-Key: " + limited + "\r\nX-Gateway-Token: " + gw + "\r\n"),
    };
    int n = 0;
    for (const std::string& bytes : cases) {
      ++n;
      std::string onHttp = summary(RawHttp::exchange(server->port(), bytes, 5000));
      std::string onGateway = summary(RawHttp::exchange(gwPort, bytes, 5000));
      if (n == 7) {  // the first call spent the window: both answer 429 with Retry-After
        CPPUNIT_ASSERT_MESSAGE(onGateway, onGateway.rfind("429", 0) == 0);
        continue;
      }
      CPPUNIT_ASSERT_EQUAL_MESSAGE("case " + std::to_string(n), onHttp, onGateway);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayListenerStrictTest);
