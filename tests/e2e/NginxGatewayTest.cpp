// End-to-end: a real nginx (auth_request) in front of a static upstream, asking a real Keywarden
// whether each call may pass. The nginx recipe below is the one README and
// docs/nginx-example.conf give to operators.
#include <cppunit/extensions/HelperMacros.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/FileServer.h"
#include "tests/e2e/NginxProcess.h"
#include "tests/support/HttpClient.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TempDir.h"

using namespace keywarden::test;

namespace {

// A key with the right shape and checksum that no server ever issued: "kw_" + 43 base62
// characters + the 6-character base62 CRC-32 (IEEE) of those 43, most significant digit first.
std::string wellFormedUnknownKey() {
  static const char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::mt19937 rng(std::random_device{}());
  std::string body;
  for (int i = 0; i < 43; ++i) body.push_back(kAlphabet[rng() % 62]);
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : body) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
  }
  uint64_t v = crc ^ 0xFFFFFFFFu;
  std::string sum(6, '0');
  for (int i = 5; i >= 0; --i, v /= 62) sum[i] = kAlphabet[v % 62];
  return "kw_" + body + sum;
}

std::string describe(const HttpResponse& r) {
  return "status " + std::to_string(r.status) + ", code '" + r.header("X-Keywarden-Code") +
         "', body: " + r.body;
}

}  // namespace

class NginxGatewayTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(NginxGatewayTest);
  CPPUNIT_TEST(goodKeyInXApiKeyReachesUpstreamWithItsClientId);
  CPPUNIT_TEST(callerCannotSpoofTheClientIdHeader);
  CPPUNIT_TEST(keyInSecretHeaderPasses);
  CPPUNIT_TEST(keyInClientKeyHeaderPasses);
  CPPUNIT_TEST(keyInXTlmKeyHeaderPasses);
  CPPUNIT_TEST(keyInMiaClientKeyCookiePasses);
  CPPUNIT_TEST(keyAsBearerTokenPasses);
  CPPUNIT_TEST(missingKeyIsDenied401);
  CPPUNIT_TEST(malformedKeyIsDenied401);
  CPPUNIT_TEST(wellFormedUnknownKeyIsDenied401NotFound);
  CPPUNIT_TEST(revokedKeyIsDenied403);
  CPPUNIT_TEST(keyWithoutTheApiScopeIsDenied403);
  CPPUNIT_TEST(keyHoldingTheApiScopeReachesTheApi);
  CPPUNIT_TEST(exampleConfigsAreTheTestedRecipes);
  CPPUNIT_TEST(subrequestsReuseKeptAliveConnectionsToTheGatewayListener);
  CPPUNIT_TEST(cacheRecipeReusesValidAnswersUntilTheirMaxAge);
  CPPUNIT_TEST(cacheRecipeNeverReusesAnswersAboutLimitedKeys);
  CPPUNIT_TEST(cacheRecipeNeverAnswersOneCallerForAnothersKeyOrAnOverride);
  CPPUNIT_TEST(theUpstreamReallyResolvesTheFieldReportTarget);
  CPPUNIT_TEST(fileKeyReadsItsFilesThroughTheRecipe);
  CPPUNIT_TEST(fileKeyCannotReachTheSecretThroughAnyAmbiguousTarget);
  CPPUNIT_TEST(clientHeadersCannotSteerTheCheck);
  CPPUNIT_TEST(encodedWordsNeverReachTheUpstream);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    _gatewayPort = freePort();
    _server = std::make_unique<ServerProcess>(std::map<std::string, std::string>{
        {"gateway.port", std::to_string(_gatewayPort)}, {"gateway.cacheSeconds", "60"}});
    _server->start();
    admin("POST", "/v1/clients", R"({"id":"acme","name":"Acme Shop","clientType":"partner"})", 201);
    admin("POST", "/v1/apis",
          R"({"id":"orders-get","name":"Get order","method":"GET","path":"/orders/{id}",)"
          R"("scopes":["orders:read"]})",
          201);
    _files = std::make_unique<FileServer>();
    _files->start();
    _nginx = std::make_unique<NginxProcess>();
    _nginx->start(_gatewayPort, _files->port());
  }

  void tearDown() override {
    if (_nginx) _nginx->stop();
    _nginx.reset();
    if (_server) _server->stop();
    _server.reset();
    _files.reset();
  }

  void goodKeyInXApiKeyReachesUpstreamWithItsClientId() {
    HttpResponse r = call("/anything", {{"X-API-Key", issueKey("[]")}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("upstream client=acme\n"), r.body);
  }

  void callerCannotSpoofTheClientIdHeader() {
    HttpResponse r = call("/anything", {{"X-API-Key", issueKey("[]")}, {"X-Client-Id", "mallory"}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("upstream client=acme\n"), r.body);
  }

  void keyInSecretHeaderPasses() { assertPasses("secret", issueKey("[]")); }
  void keyInClientKeyHeaderPasses() { assertPasses("client-key", issueKey("[]")); }
  void keyInXTlmKeyHeaderPasses() { assertPasses("X-TLM-Key", issueKey("[]")); }
  void keyInMiaClientKeyCookiePasses() {
    assertPasses("Cookie", "theme=dark; mia_client_key=" + issueKey("[]") + "; lang=en");
  }
  void keyAsBearerTokenPasses() { assertPasses("Authorization", "Bearer " + issueKey("[]")); }

  void missingKeyIsDenied401() {
    HttpResponse r = call("/anything", {{"X-Other", "x"}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 401, r.status);
    std::string code = r.header("X-Keywarden-Code");
    // The contract's code list has no separate code for an absent key: it is MALFORMED.
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), std::string("MALFORMED"), code);
    assertNotUpstream(r);
  }

  void malformedKeyIsDenied401() {
    std::string key = issueKey("[]");
    key.back() = key.back() == 'a' ? 'b' : 'a';  // the checksum no longer matches
    assertDenied(call("/anything", {{"X-API-Key", key}}), 401, "MALFORMED");
    assertDenied(call("/anything", {{"X-API-Key", "not-a-key"}}), 401, "MALFORMED");
  }

  void wellFormedUnknownKeyIsDenied401NotFound() {
    assertDenied(call("/anything", {{"X-API-Key", wellFormedUnknownKey()}}), 401, "NOT_FOUND");
  }

  void revokedKeyIsDenied403() {
    std::string id;
    std::string key = issueKey("[]", &id);
    assertPasses("X-API-Key", key);
    admin("POST", "/v1/keys/" + id + "/revoke", R"({"reason":"leaked"})", 200);
    assertDenied(call("/anything", {{"X-API-Key", key}}), 403, "REVOKED");
  }

  void keyWithoutTheApiScopeIsDenied403() {
    std::string key = issueKey(R"(["billing:read"])");
    assertDenied(call("/orders/7", {{"X-API-Key", key}}), 403, "FORBIDDEN");
  }

  void keyHoldingTheApiScopeReachesTheApi() {
    HttpResponse r = call("/orders/7", {{"X-API-Key", issueKey(R"(["orders:read"])")}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("upstream client=acme\n"), r.body);
  }

  // nginx sends the raw $request_uri as X-Original-URI and passes client headers: an RFC 2047
  // encoded word the HTTP parser would decode (to "/orders/7", to the key) is refused, so the
  // upstream, which serves the bytes as sent, is never reached. nginx answers an unexpected
  // auth status with 500.
  void encodedWordsNeverReachTheUpstream() {
    std::string key = issueKey(R"(["orders:read"])");
    for (const char* target : {"/=?UTF-8?Q?orders/7?=", "/=?UTF-8?B?b3JkZXJzLzc=?="}) {
      HttpResponse r = call(target, {{"X-API-Key", key}});
      CPPUNIT_ASSERT_MESSAGE(std::string(target) + ": " + describe(r),
                             r.status >= 400 && r.body.find("upstream") == std::string::npos);
    }
    HttpResponse r = call("/orders/7", {{"X-API-Key", "=?UTF-8?Q?" + key + "?="}});
    CPPUNIT_ASSERT_MESSAGE(describe(r),
                           r.status >= 400 && r.body.find("upstream") == std::string::npos);
    CPPUNIT_ASSERT_EQUAL(200, call("/orders/7", {{"X-API-Key", key}}).status);
  }

  // The recipe's upstream pool: many checks, few connections (one nginx worker keeps them).
  // With proxy_pass to a bare address (HTTP/1.0), every check opened a connection.
  void subrequestsReuseKeptAliveConnectionsToTheGatewayListener() {
    std::string key = issueKey("[]");
    for (int i = 0; i < 30; ++i) assertPasses("X-API-Key", key);
    HttpResponse m = _server->client().request("GET", "/metrics");
    std::string mark = "\nkeywarden_gateway_connections_accepted_total ";
    size_t at = m.body.find(mark);
    CPPUNIT_ASSERT_MESSAGE(m.body, at != std::string::npos);
    long accepted = std::stol(m.body.substr(at + mark.size()));
    CPPUNIT_ASSERT_MESSAGE(std::to_string(accepted) + " connections for 30 checks", accepted <= 3);
  }

  // The price of the cache recipe, as documented: a revoked key keeps passing while its cached
  // answer lasts (gateway.cacheSeconds is 60 here); another target still asks Keywarden.
  void cacheRecipeReusesValidAnswersUntilTheirMaxAge() {
    std::string id;
    std::string key = issueKey("[]", &id);
    CPPUNIT_ASSERT_EQUAL(200, cached("/orders/7", {{"X-API-Key", key}}).status);
    admin("POST", "/v1/keys/" + id + "/revoke", R"({"reason":"leaked"})", 200);
    HttpResponse r = cached("/orders/7", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 200, r.status);
    assertDenied(cached("/orders/8", {{"X-API-Key", key}}), 403, "REVOKED");
  }

  void cacheRecipeNeverReusesAnswersAboutLimitedKeys() {
    auto r =
        admin("POST", "/v1/keys",
              R"({"clientId":"acme","name":"rated","rateLimit":{"limit":1,"window":"1h"}})", 201);
    std::string rated = r.json()->getValue<std::string>("key");
    CPPUNIT_ASSERT_EQUAL(200, cached("/orders/7", {{"X-API-Key", rated}}).status);
    assertDenied(cached("/orders/7", {{"X-API-Key", rated}}), 403, "RATE_LIMITED");
    r = admin("POST", "/v1/keys", R"({"clientId":"acme","name":"quota","quota":1})", 201);
    std::string quota = r.json()->getValue<std::string>("key");
    CPPUNIT_ASSERT_EQUAL(200, cached("/orders/7", {{"X-API-Key", quota}}).status);
    assertDenied(cached("/orders/7", {{"X-API-Key", quota}}), 403, "USAGE_EXCEEDED");
  }

  void cacheRecipeNeverAnswersOneCallerForAnothersKeyOrAnOverride() {
    std::string key = issueKey(R"(["orders:read"])");
    CPPUNIT_ASSERT_EQUAL(200, cached("/orders/7", {{"Authorization", "Bearer " + key}}).status);
    CPPUNIT_ASSERT_EQUAL(200, cached("/orders/7", {{"X-API-Key", key}}).status);
    // Same target, no key or another key: never the cached answer.
    assertDenied(cached("/orders/7", {}), 401, "MALFORMED");
    for (const auto& [h, v] : Headers{{"Authorization", "Bearer kw_nosuchkey0000000000000000"},
                                      {"Cookie", "mia_client_key=kw_nosuchkey0000000000000"},
                                      {"apikey", "kw_nosuchkey0000000000000000"}}) {
      HttpResponse r = cached("/orders/7", {{h, v}});
      CPPUNIT_ASSERT_EQUAL_MESSAGE(h + ": " + describe(r), 401, r.status);
    }
    // Same key and target with an override header: Keywarden is asked, and refuses.
    for (const char* h : {"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"}) {
      HttpResponse r = cached("/orders/7", {{"X-API-Key", key}, {h, "DELETE"}});
      CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(h) + ": " + describe(r), 403, r.status);
    }
    HttpResponse r = cached("/orders/7", {{"X-API-Key", key}, {"X-Original-URL", "/admin"}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 403, r.status);
  }

  void exampleConfigsAreTheTestedRecipes() {
    std::string doc = readFile(std::string(KEYWARDEN_SOURCE_DIR) + "/docs/nginx-example.conf");
    std::string recipe = gatewayRecipe("80", "http://127.0.0.1:9000");
    CPPUNIT_ASSERT_MESSAGE("docs/nginx-example.conf must hold gatewayRecipe() verbatim:\n" + recipe,
                           doc.find(recipe) != std::string::npos);
    std::string cache =
        readFile(std::string(KEYWARDEN_SOURCE_DIR) + "/docs/nginx-cache-example.conf");
    for (const std::string& part :
         {cachePath("/run/nginx-keywarden"), cacheRecipe("80", "http://127.0.0.1:9000")})
      CPPUNIT_ASSERT_MESSAGE("docs/nginx-cache-example.conf must hold verbatim:\n" + part,
                             cache.find(part) != std::string::npos);
    std::string pool = upstreamRecipe("127.0.0.1:8081");
    CPPUNIT_ASSERT_MESSAGE("docs/nginx-example.conf must hold upstreamRecipe() verbatim:\n" + pool,
                           doc.find(pool) != std::string::npos);
  }

  // Without the gate the trick works: the upstream itself serves the secret for it. (So the
  // tests below would see the secret if Keywarden let the call through.)
  void theUpstreamReallyResolvesTheFieldReportTarget() {
    for (const char* trick : kSecretTricks) {
      HttpResponse direct = _files->client().request("GET", trick);
      if (direct.status != 200) continue;  // not every trick works on this upstream
      CPPUNIT_ASSERT_MESSAGE(trick, direct.body.find(FileServer::kSecret) != std::string::npos);
    }
    HttpResponse report = _files->client().request("GET", kSecretTricks[0]);
    CPPUNIT_ASSERT_EQUAL(200, report.status);
    CPPUNIT_ASSERT(report.body.find(FileServer::kSecret) != std::string::npos);
  }

  void fileKeyReadsItsFilesThroughTheRecipe() {
    std::string key = fileKey();
    HttpResponse r = _nginx->filesClient().request("GET", "/files/a.txt", "", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("public file\n"), r.body);
    r = _nginx->filesClient().request("GET", "/files/%61.txt", "", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 200, r.status);
    r = _nginx->filesClient().request("GET", "/admin/secret.txt", "", {{"X-API-Key", key}});
    assertDenied(r, 403, "FORBIDDEN");
    CPPUNIT_ASSERT(r.body.find(FileServer::kSecret) == std::string::npos);
  }

  // The field report (issue 10 §1) and its siblings: 403, and the secret never reaches the
  // client. nginx itself answers 400 to a few before asking Keywarden; that is a refusal too.
  void fileKeyCannotReachTheSecretThroughAnyAmbiguousTarget() {
    std::string key = fileKey();
    int askedKeywarden = 0;
    for (const char* trick : kSecretTricks) {
      HttpResponse r = _nginx->filesClient().request("GET", trick, "", {{"X-API-Key", key}});
      CPPUNIT_ASSERT_MESSAGE(std::string(trick) + ": " + describe(r),
                             r.body.find(FileServer::kSecret) == std::string::npos);
      CPPUNIT_ASSERT_MESSAGE(std::string(trick) + ": " + describe(r),
                             r.status == 403 || r.status == 400);
      if (r.status == 403) {
        ++askedKeywarden;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(trick, std::string("FORBIDDEN"), r.header("X-Keywarden-Code"));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(trick, std::string("AMBIGUOUS_PATH"),
                                     r.header("X-Keywarden-Reason"));
      }
    }
    CPPUNIT_ASSERT(askedKeywarden >= 10);
    // The field report itself reaches Keywarden and is refused by it, not by nginx.
    HttpResponse report =
        _nginx->filesClient().request("GET", kSecretTricks[0], "", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(report), 403, report.status);
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_PATH"), report.header("X-Keywarden-Reason"));
  }

  // nginx passes client headers to the auth subrequest; the recipe clears X-Forwarded-*, so a
  // client's copy can neither steer the check nor get an honest call refused.
  void clientHeadersCannotSteerTheCheck() {
    std::string key = fileKey();
    HttpResponse r = _nginx->filesClient().request(
        "GET", "/admin/secret.txt", "",
        {{"X-API-Key", key}, {"X-Forwarded-Uri", "/files/a.txt"}, {"X-Forwarded-Method", "GET"}});
    assertDenied(r, 403, "FORBIDDEN");
    CPPUNIT_ASSERT(r.body.find(FileServer::kSecret) == std::string::npos);
    r = _nginx->filesClient().request(
        "GET", "/files/a.txt", "",
        {{"X-API-Key", key}, {"X-Forwarded-Uri", "/elsewhere"}, {"X-Forwarded-Method", "PUT"}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 200, r.status);
    // A client's method- or path-override header reaches Keywarden through nginx: refused.
    r = _nginx->filesClient().request("GET", "/files/a.txt", "",
                                      {{"X-API-Key", key}, {"X-HTTP-Method-Override", "DELETE"}});
    assertDenied(r, 403, "FORBIDDEN");
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_METHOD"), r.header("X-Keywarden-Reason"));
    r = _nginx->filesClient().request(
        "GET", "/files/a.txt", "", {{"X-API-Key", key}, {"X-Original-URL", "/admin/secret.txt"}});
    assertDenied(r, 403, "FORBIDDEN");
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_PATH"), r.header("X-Keywarden-Reason"));
    // X-Original-* from the client are replaced by nginx's own (proxy_set_header).
    r = _nginx->filesClient().request(
        "GET", "/admin/secret.txt", "",
        {{"X-API-Key", key}, {"X-Original-URI", "/files/a.txt"}, {"X-Original-Method", "GET"}});
    assertDenied(r, 403, "FORBIDDEN");
    CPPUNIT_ASSERT(r.body.find(FileServer::kSecret) == std::string::npos);
  }

 private:
  static constexpr const char* kSecretTricks[] = {
      "/files/x%3F/../../admin/secret.txt",  // the field report: first, tests rely on it
      "/files/x%3f/../../admin/secret.txt",  "/files/x%23/../../admin/secret.txt",
      "/files/a#/../../admin/secret.txt",    "/files/../admin/secret.txt",
      "/files/%2e%2e/admin/secret.txt",      "/files/%2E%2E/admin/secret.txt",
      "/files/.%2e/admin/secret.txt",        "/files/..%2Fadmin%2Fsecret.txt",
      "/files/x/..%2F..%2Fadmin/secret.txt", "/files/x;/../../admin/secret.txt",
      "/files/..;/admin/secret.txt",         "/files/x%3B/../../admin/secret.txt",
      "/files/x%00/../../admin/secret.txt",  "/files//../admin/secret.txt",
      "/files/./../admin/secret.txt",        "/files/x%252e%252e/../../admin/secret.txt",
      "/files/x%20/../../admin/secret.txt",  "/files/%C0%AE%C0%AE/admin/secret.txt",
      "/files/a.txt/../../admin/secret.txt",
  };

  // A key granted only GET /files/* (the API "files").
  std::string fileKey() {
    admin("POST", "/v1/apis", R"({"id":"files","name":"Files","method":"GET","path":"/files/*"})",
          201);
    admin("POST", "/v1/apis", R"({"id":"admin","name":"Admin","method":"GET","path":"/admin/*"})",
          201);
    auto r =
        admin("POST", "/v1/keys", R"({"clientId":"acme","name":"files","apis":["files"]})", 201);
    return r.json()->getValue<std::string>("key");
  }

  HttpResponse admin(const std::string& method, const std::string& path, const std::string& body,
                     int expected) {
    HttpResponse r = _server->client().call(method, path, _server->adminToken(), body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(method + " " + path + ": " + r.body, expected, r.status);
    return r;
  }

  // Issues a key for client acme with these scopes (a JSON array); returns the plaintext.
  std::string issueKey(const std::string& scopes, std::string* id = nullptr) {
    auto r = admin("POST", "/v1/keys",
                   R"({"clientId":"acme","name":"gateway test","scopes":)" + scopes + "}", 201);
    auto json = r.json();
    if (id != nullptr) *id = json->getValue<std::string>("id");
    return json->getValue<std::string>("key");
  }

  HttpResponse cached(const std::string& path, const Headers& headers) {
    return _nginx->cacheClient().request("GET", path, "", headers);
  }

  HttpResponse call(const std::string& path, const Headers& headers) {
    return _nginx->client().request("GET", path, "", headers);
  }

  void assertPasses(const std::string& header, const std::string& value) {
    HttpResponse r = call("/anything", {{header, value}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(header + ": " + describe(r), 200, r.status);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(header, std::string("upstream client=acme\n"), r.body);
  }

  void assertDenied(const HttpResponse& r, int status, const std::string& code) {
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), status, r.status);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), code, r.header("X-Keywarden-Code"));
    assertNotUpstream(r);
  }

  void assertNotUpstream(const HttpResponse& r) {
    CPPUNIT_ASSERT_MESSAGE(describe(r), r.body.find("upstream client=") == std::string::npos);
  }

  std::unique_ptr<ServerProcess> _server;
  int _gatewayPort = 0;
  std::unique_ptr<FileServer> _files;
  std::unique_ptr<NginxProcess> _nginx;
};

CPPUNIT_TEST_SUITE_REGISTRATION(NginxGatewayTest);
