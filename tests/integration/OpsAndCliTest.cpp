#include <Poco/JSON/Parser.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

class OpsAndCliTest : public Fixture {
  CPPUNIT_TEST_SUITE(OpsAndCliTest);
  CPPUNIT_TEST(healthReadinessAndOpenApiAnswer);
  CPPUNIT_TEST(metricsCountRoutesStatusesOutcomesAndLatency);
  CPPUNIT_TEST(everyMetricTheGrafanaDashboardQueriesIsServed);
  CPPUNIT_TEST(tokenCreatePrintsATokenThatWorksOnce);
  CPPUNIT_TEST(revokedTokenIsRefusedByTheRunningServerWithinASecond);
  CPPUNIT_TEST(badSettingStopsStartUpWithOneLine);
  CPPUNIT_TEST(unreachableDatabaseStopsStartUpWithOneLineNamingTheSetting);
  CPPUNIT_TEST(migrateIsIdempotent);
  CPPUNIT_TEST(secondServerOnTheSamePortIsRefusedWithOneLineNamingThePort);
  CPPUNIT_TEST(secondServerOnTheSameSqliteStoreIsRefusedWithOneLineNamingTheStore);
  CPPUNIT_TEST(unknownKeywardenVariableIsRefusedNamingIt);
  CPPUNIT_TEST(kubernetesServiceLinkVariablesDoNotStopStartUp);
  CPPUNIT_TEST(startUpLinesNeverEchoSecrets);
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
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    verify(key);
    verify("kw_nonsense");
    // Forward-auth with no key at all is answered MALFORMED and counted as one.
    CPPUNIT_ASSERT_EQUAL(401, server->client().request("GET", "/v1/gateway/auth").status);
    admin("GET", "/v1/clients/ghost");
    HttpResponse m = server->client().request("GET", "/metrics");
    CPPUNIT_ASSERT_EQUAL(200, m.status);
    CPPUNIT_ASSERT(m.header("Content-Type").find("text/plain") == 0);
    for (const char* want :
         {"keywarden_http_requests_total{route=\"/v1/keys\",status=\"201\"} 1",
          "keywarden_http_requests_total{route=\"/v1/clients/{id}\",status=\"404\"} 1",
          "keywarden_http_requests_total{route=\"/v1/keys/verify\",status=\"200\"} 2",
          "keywarden_verifications_total{code=\"VALID\"} 1",
          "keywarden_verifications_total{code=\"MALFORMED\"} 2",
          "keywarden_http_request_duration_seconds_bucket{route=\"/v1/keys/verify\",le=\"+Inf\"} 2",
          // Bucket bounds as Prometheus clients write them: "1", not "1." or "1.000000".
          "keywarden_http_request_duration_seconds_bucket{route=\"/v1/keys/verify\",le=\"1\"} 2",
          "keywarden_http_request_duration_seconds_bucket{route=\"/v1/keys/"
          "verify\",le=\"0.0001\"} ",
          "keywarden_keys_loaded 1"})
      CPPUNIT_ASSERT_MESSAGE(std::string(want) + "\n" + m.body,
                             m.body.find(want) != std::string::npos);
  }

  // docs/grafana-dashboard.json queries only metric names /metrics writes (no drift).
  void everyMetricTheGrafanaDashboardQueriesIsServed() {
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    verify(key);
    std::ifstream in(std::string(KEYWARDEN_SOURCE_DIR) + "/docs/grafana-dashboard.json");
    std::string dash((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CPPUNIT_ASSERT(!dash.empty());
    std::string metrics = server->client().request("GET", "/metrics").body;
    std::regex name("keywarden_[a-z_]+");
    int seen = 0;
    for (auto it = std::sregex_iterator(dash.begin(), dash.end(), name);
         it != std::sregex_iterator(); ++it) {
      std::string n = it->str();
      if (n == "keywarden_") continue;
      ++seen;
      CPPUNIT_ASSERT_MESSAGE(n + " is not in /metrics",
                             metrics.find("\n" + n + "{") != std::string::npos ||
                                 metrics.find("\n" + n + " ") != std::string::npos);
    }
    CPPUNIT_ASSERT(seen >= 10);
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

  // The whole output is one line naming `want` (and the server did not start).
  static void assertOneLine(const std::string& out, const std::string& want) {
    CPPUNIT_ASSERT_MESSAGE(out, out.find(want) != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(out, !out.empty() && out.find('\n') == out.size() - 1);
  }

  void secondServerOnTheSamePortIsRefusedWithOneLineNamingThePort() {
    ServerProcess second(
        std::map<std::string, std::string>{{"http.port", std::to_string(server->port())}});
    CPPUNIT_ASSERT_THROW(second.start(), std::runtime_error);
    assertOneLine(second.log(), "keywarden: http.port: 127.0.0.1:" +
                                    std::to_string(server->port()) + " is already in use");
    // The first server still answers every request (nothing was shared).
    for (int i = 0; i < 20; ++i)
      CPPUNIT_ASSERT_EQUAL(200, server->client().request("GET", "/healthz").status);
  }

  void secondServerOnTheSameSqliteStoreIsRefusedWithOneLineNamingTheStore() {
    if (server->postgres()) return;  // several instances on one PostgreSQL: ClusterTest
    ServerProcess second(server->sameDatabase());
    CPPUNIT_ASSERT_THROW(second.start(), std::runtime_error);
    std::string log = second.log();
    CPPUNIT_ASSERT_MESSAGE(
        log, log.find("keywarden: db.connection: the SQLite store " + server->dbPath() +
                      " is in use by another running "
                      "keywarden server") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(log, log.find("listening") == std::string::npos);
    // Commands beside a running server still work on its store.
    std::string out;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 0, server->runCli("migrate", out));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 0, server->runCli("token create --role gateway", out));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 0, second.runCli("token list", out));
    // Once the first server has stopped, the store is free.
    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    second.start();
    CPPUNIT_ASSERT_EQUAL(200, second.client().request("GET", "/healthz").status);
  }

  void unknownKeywardenVariableIsRefusedNamingIt() {
    ServerProcess bad;
    bad.setEnv("KEYWARDEN_SMTP_PROT", "587");
    CPPUNIT_ASSERT_THROW(bad.start(), std::runtime_error);
    assertOneLine(bad.log(),
                  "keywarden: environment KEYWARDEN_SMTP_PROT: unknown setting (did you mean "
                  "KEYWARDEN_SMTP_PORT?)");
    // The commands read the same settings.
    setenv("KEYWARDEN_HTTP_THREDS", "8", 1);
    std::string out;
    int rc = server->runCli("migrate", out);
    unsetenv("KEYWARDEN_HTTP_THREDS");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 2, rc);
    assertOneLine(out,
                  "KEYWARDEN_HTTP_THREDS: unknown setting (did you mean "
                  "KEYWARDEN_HTTP_THREADS?)");
  }

  void kubernetesServiceLinkVariablesDoNotStopStartUp() {
    // What Kubernetes sets in every pod for a Service named "keywarden".
    ServerProcess ok;
    ok.setEnv("KEYWARDEN_SERVICE_HOST", "10.0.0.7");
    ok.setEnv("KEYWARDEN_SERVICE_PORT", "8080");
    ok.setEnv("KEYWARDEN_PORT", "tcp://10.0.0.7:8080");
    ok.setEnv("KEYWARDEN_PORT_8080_TCP", "tcp://10.0.0.7:8080");
    ok.setEnv("KEYWARDEN_PORT_8080_TCP_ADDR", "10.0.0.7");
    ok.start();
    CPPUNIT_ASSERT_EQUAL(200, ok.client().request("GET", "/healthz").status);
  }

  void startUpLinesNeverEchoSecrets() {
    const std::string secret = "s3cret-never-logged-0123456789abcdefghij";
    const std::string password = "smtp-pass-never-logged";
    // A misspelt secret variable: the line names it, never its value.
    ServerProcess typo;
    typo.setEnv("KEYWARDEN_SECRETT", secret);
    CPPUNIT_ASSERT_THROW(typo.start(), std::runtime_error);
    assertOneLine(typo.log(),
                  "KEYWARDEN_SECRETT: unknown setting (did you mean KEYWARDEN_SECRET?)");
    CPPUNIT_ASSERT(typo.log().find(secret) == std::string::npos);
    // A secret too short: named, not echoed.
    ServerProcess shortSecret(std::map<std::string, std::string>{{"secret", "tooshort-xyzzy"}});
    CPPUNIT_ASSERT_THROW(shortSecret.start(), std::runtime_error);
    assertOneLine(shortSecret.log(), "setting secret");
    CPPUNIT_ASSERT(shortSecret.log().find("tooshort-xyzzy") == std::string::npos);
    // A server that starts: its log holds neither secret, password nor admin token.
    ServerProcess good(
        std::map<std::string, std::string>{{"secret", secret}, {"smtp.password", password}});
    good.start();
    CPPUNIT_ASSERT_EQUAL(0, good.stop());
    std::string log = good.log();
    CPPUNIT_ASSERT_MESSAGE(log, log.find("listening") != std::string::npos);
    for (const std::string& s : {secret, password, good.adminToken()})
      CPPUNIT_ASSERT_MESSAGE(log, log.find(s) == std::string::npos);
  }

  void migrateIsIdempotent() {
    std::string out;
    CPPUNIT_ASSERT_EQUAL(0, server->runCli("migrate", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("0 migration(s) applied") != std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OpsAndCliTest);
