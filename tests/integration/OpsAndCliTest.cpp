#include <Poco/JSON/Parser.h>

#include <chrono>
#include <thread>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

class OpsAndCliTest : public Fixture {
  CPPUNIT_TEST_SUITE(OpsAndCliTest);
  CPPUNIT_TEST(healthReadinessAndOpenApiAnswer);
  CPPUNIT_TEST(metricsCountRoutesStatusesOutcomesAndLatency);
  CPPUNIT_TEST(tokenCreatePrintsATokenThatWorksOnce);
  CPPUNIT_TEST(revokedTokenIsRefusedByTheRunningServerWithinASecond);
  CPPUNIT_TEST(badSettingStopsStartUpWithOneLine);
  CPPUNIT_TEST(unreachableDatabaseStopsStartUpWithOneLineNamingTheSetting);
  CPPUNIT_TEST(migrateIsIdempotent);
  CPPUNIT_TEST_SUITE_END();

 public:
  void healthReadinessAndOpenApiAnswer() {
    CPPUNIT_ASSERT_EQUAL(200, server->client().request("GET", "/healthz").status);
    CPPUNIT_ASSERT_EQUAL(200, server->client().request("GET", "/readyz").status);
    HttpResponse doc = server->client().request("GET", "/openapi.json");
    CPPUNIT_ASSERT_EQUAL(200, doc.status);
    CPPUNIT_ASSERT(doc.json()->getObject("paths")->has("/v1/keys/verify"));
  }

  void metricsCountRoutesStatusesOutcomesAndLatency() {
    auto [id, key] = newKey();
    verify(key);
    verify("kw_nonsense");
    admin("GET", "/v1/clients/ghost");
    HttpResponse m = server->client().request("GET", "/metrics");
    CPPUNIT_ASSERT_EQUAL(200, m.status);
    CPPUNIT_ASSERT(m.header("Content-Type").find("text/plain") == 0);
    for (const char* want :
         {"keywarden_http_requests_total{route=\"/v1/keys\",status=\"201\"} 1",
          "keywarden_http_requests_total{route=\"/v1/clients/{id}\",status=\"404\"} 1",
          "keywarden_http_requests_total{route=\"/v1/keys/verify\",status=\"200\"} 2",
          "keywarden_verifications_total{code=\"VALID\"} 1",
          "keywarden_verifications_total{code=\"MALFORMED\"} 1",
          "keywarden_http_request_duration_seconds_bucket{route=\"/v1/keys/verify\",le=\"+Inf\"} 2",
          "keywarden_keys_loaded 1"})
      CPPUNIT_ASSERT_MESSAGE(std::string(want) + "\n" + m.body,
                             m.body.find(want) != std::string::npos);
  }

  void tokenCreatePrintsATokenThatWorksOnce() {
    std::string out;
    CPPUNIT_ASSERT_EQUAL(0,
                         server->runCli("token create --role admin --name ops 2>/dev/null", out));
    std::string t = out.substr(0, out.find('\n'));
    CPPUNIT_ASSERT(t.rfind("kwt_", 0) == 0);
    CPPUNIT_ASSERT_EQUAL(200, as(t, "GET", "/v1/keys").status);
    CPPUNIT_ASSERT_EQUAL(2, server->runCli("token create --role emperor", out));
    CPPUNIT_ASSERT_EQUAL(2, server->runCli("token create --role approver", out));  // needs --email
    CPPUNIT_ASSERT(out.find("email") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(2, server->runCli("frobnicate", out));
  }

  void revokedTokenIsRefusedByTheRunningServerWithinASecond() {
    std::string out;
    CPPUNIT_ASSERT_EQUAL(
        0, server->runCli("token create --role admin --name leaked 2>/dev/null", out));
    std::string t = out.substr(0, out.find('\n'));
    CPPUNIT_ASSERT_EQUAL(200, as(t, "GET", "/v1/keys").status);  // now remembered by the server
    CPPUNIT_ASSERT_EQUAL(0, server->runCli("token list", out));
    std::string line;
    for (size_t at = 0; at < out.size();) {
      size_t end = out.find('\n', at);
      std::string l = out.substr(at, end - at);
      if (l.find("\tleaked\t") != std::string::npos) line = l;
      at = end == std::string::npos ? out.size() : end + 1;
    }
    CPPUNIT_ASSERT_MESSAGE(out, !line.empty());
    CPPUNIT_ASSERT(out.find("kwt_") == std::string::npos);  // no secret in the listing
    std::string id = line.substr(0, line.find('\t'));
    CPPUNIT_ASSERT_EQUAL(0, server->runCli("token revoke " + id, out));
    auto t0 = std::chrono::steady_clock::now();
    int status = 200;
    while (status == 200 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      status = as(t, "GET", "/v1/keys").status;
    }
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    CPPUNIT_ASSERT_EQUAL(401, status);
    CPPUNIT_ASSERT_MESSAGE(std::to_string(ms) + " ms", ms <= 1000);
    CPPUNIT_ASSERT_EQUAL(200, admin("GET", "/v1/keys").status);  // the other admin token works
    CPPUNIT_ASSERT_EQUAL(1, server->runCli("token revoke " + id, out));  // already revoked
    CPPUNIT_ASSERT_EQUAL(0, server->runCli("token list", out));
    CPPUNIT_ASSERT(out.find(id + "\tadmin") != std::string::npos);
  }

  void unreachableDatabaseStopsStartUpWithOneLineNamingTheSetting() {
    // A PostgreSQL that does not listen (a closed loopback port), with a password that must
    // not be echoed.
    ServerProcess bad(std::map<std::string, std::string>{
        {"db.connector", "postgresql"},
        {"db.connection", "host=127.0.0.1 port=" + std::to_string(freePort()) +
                              " user=kw password=s3cretpass dbname=kw connect_timeout=3"}});
    std::string out;
    CPPUNIT_ASSERT_EQUAL(1, bad.runCli("migrate", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.rfind("keywarden: db.connection: cannot open the postgresql "
                                          "database: ",
                                          0) == 0);
    CPPUNIT_ASSERT_MESSAGE(out, out.find('\n') == out.size() - 1);  // one line
    CPPUNIT_ASSERT_MESSAGE(out, out.find("s3cretpass") == std::string::npos);
  }

  void badSettingStopsStartUpWithOneLine() {
    ServerProcess bad(std::map<std::string, std::string>{{"gateway.rateLimitStatus", "418"}});
    CPPUNIT_ASSERT_THROW(bad.start(), std::runtime_error);
    std::string log = bad.log();
    CPPUNIT_ASSERT_MESSAGE(log, log.find("gateway.rateLimitStatus") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string::npos, log.find('\n', log.find('\n') + 1));  // one line
  }

  void migrateIsIdempotent() {
    std::string out;
    CPPUNIT_ASSERT_EQUAL(0, server->runCli("migrate", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("0 migration(s) applied") != std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OpsAndCliTest);
