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
#include "tests/support/HttpClient.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TempDir.h"

using namespace keywarden::test;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

const char* const kNginx = "/usr/sbin/nginx";

// Replaces every `{{name}}` in `text` with its value.
std::string fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [name, value] : values) {
    std::string mark = "{{" + name + "}}";
    for (size_t at = text.find(mark); at != std::string::npos;
         at = text.find(mark, at + value.size()))
      text.replace(at, mark.size(), value);
  }
  return text;
}

// The operator's recipe, in two parts. First the pool of kept-alive connections to Keywarden's
// gateway listener (gateway.port), at the http level: without it nginx opens a new connection
// for every subrequest.
const char* const kUpstream = R"(upstream keywarden {
  server {{keywarden}};
  keepalive 32;
  keepalive_timeout 5s;
}
)";

// Then the server: nginx asks Keywarden about every request with auth_request (over the pool:
// HTTP/1.1 and an empty Connection header, set in the auth location itself, since a
// location's own proxy_set_header hides the server's), passes the caller's client id to the
// upstream and shows Keywarden's code on a denial.
const char* const kRecipe = R"(server {
  listen {{listen}};

  location / {
    auth_request /_keywarden;
    auth_request_set $kw_client $upstream_http_x_keywarden_client_id;
    auth_request_set $kw_code $upstream_http_x_keywarden_code;
    auth_request_set $kw_reason $upstream_http_x_keywarden_reason;
    proxy_set_header X-Client-Id $kw_client;
    proxy_pass {{upstream}};
    error_page 401 = @denied401;
    error_page 403 = @denied403;
  }

  location = /_keywarden {
    internal;
    proxy_pass http://keywarden/v1/gateway/auth;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    proxy_set_header X-Original-URI $request_uri;
    proxy_set_header X-Original-Method $request_method;
    proxy_set_header X-Forwarded-Uri "";
    proxy_set_header X-Forwarded-Method "";
  }

  location @denied401 {
    add_header X-Keywarden-Code $kw_code always;
    return 401;
  }

  location @denied403 {
    add_header X-Keywarden-Code $kw_code always;
    add_header X-Keywarden-Reason $kw_reason always;
    return 403;
  }
}
)";

// `keywarden` is host:port (gateway.port).
std::string upstreamRecipe(const std::string& keywarden) {
  return fill(kUpstream, {{"keywarden", keywarden}});
}

// `upstream` is a URL.
std::string gatewayRecipe(const std::string& listen, const std::string& upstream) {
  return fill(kRecipe, {{"listen", listen}, {"upstream", upstream}});
}

// The cache recipe: the same server, whose auth location also keeps Keywarden's answers for as
// long as their Cache-Control allows (only VALID answers about keys without rate limit or
// quota, at most gateway.cacheSeconds). The cache key holds the method, the raw target and
// every header a key may come in, so that no caller is answered for another's key; a request
// carrying a method- or path-override header is never answered from the cache (Keywarden
// refuses those, and a cached answer for the same key and target would let them through).
const char* const kCachePath =
    R"(proxy_cache_path {{cacheDir}} keys_zone=keywarden:10m max_size=100m;
)";
const char* const kCacheLines = R"(
    proxy_cache keywarden;
    proxy_cache_key "$request_method $request_uri|$http_x_api_key|$http_x_tlm_key|$http_secret|$http_client_key|$http_apikey|$http_authorization|$http_cookie";
    proxy_cache_bypass $http_x_http_method_override$http_x_http_method$http_x_method_override$http_x_original_url$http_x_rewrite_url;
    proxy_no_cache $http_x_http_method_override$http_x_http_method$http_x_method_override$http_x_original_url$http_x_rewrite_url;)";

std::string cachePath(const std::string& dir) {
  return fill(kCachePath, {{"cacheDir", dir}});
}

std::string cacheRecipe(const std::string& listen, const std::string& upstream) {
  std::string r = gatewayRecipe(listen, upstream);
  const std::string after = "proxy_set_header X-Forwarded-Method \"\";";
  r.insert(r.find(after) + after.size(), kCacheLines);
  return r;
}

// Test-only wrapping: everything nginx writes stays in {{dir}}; a static upstream on
// {{upstreamPort}} echoes the X-Client-Id it received.
const char* const kTestConf = R"({{user}}worker_processes 1;
pid {{dir}}/nginx.pid;
error_log {{dir}}/error.log info;
events { worker_connections 128; }
http {
  access_log {{dir}}/access.log;
  client_body_temp_path {{dir}}/client_body_temp;
  proxy_temp_path {{dir}}/proxy_temp;
  fastcgi_temp_path {{dir}}/fastcgi_temp;
  uwsgi_temp_path {{dir}}/uwsgi_temp;
  scgi_temp_path {{dir}}/scgi_temp;

{{upstreamRecipe}}
{{cachePath}}
{{recipe}}
{{filesRecipe}}
{{cacheRecipe}}
  server {
    listen 127.0.0.1:{{upstreamPort}};
    location / { return 200 "upstream client=$http_x_client_id\n"; }
  }
}
)";

// The recipe a second time, on `filesPort`, in front of the file server on `fileServerPort`.
std::string testConf(const std::string& dir, int port, int keywardenPort, int upstreamPort,
                     int filesPort, int fileServerPort, int cachePort) {
  std::string upstream = std::to_string(upstreamPort);
  std::string keywarden = "127.0.0.1:" + std::to_string(keywardenPort);
  return fill(kTestConf,
              {{"user", geteuid() == 0 ? "user root;\n" : ""},
               {"dir", dir},
               {"upstreamPort", upstream},
               {"upstreamRecipe", upstreamRecipe(keywarden)},
               {"recipe",
                gatewayRecipe("127.0.0.1:" + std::to_string(port), "http://127.0.0.1:" + upstream)},
               {"filesRecipe", gatewayRecipe("127.0.0.1:" + std::to_string(filesPort),
                                             "http://127.0.0.1:" + std::to_string(fileServerPort))},
               {"cachePath", cachePath(dir + "/cache")},
               {"cacheRecipe", cacheRecipe("127.0.0.1:" + std::to_string(cachePort),
                                           "http://127.0.0.1:" + upstream)}});
}

// nginx in the foreground as a child process; stop() always reaps it.
class NginxProcess {
 public:
  NginxProcess()
      : _dir("kwnginx"), _port(freePort()), _filesPort(freePort()), _cachePort(freePort()) {}
  ~NginxProcess() { stop(); }

  void start(int keywardenPort, int fileServerPort) {
    std::string conf = _dir.file("nginx.conf");
    writeFile(conf, testConf(_dir.path(), _port, keywardenPort, freePort(), _filesPort,
                             fileServerPort, _cachePort));
    std::string out = _dir.file("nginx.out");
    _pid = fork();
    if (_pid < 0) throw std::runtime_error("fork failed");
    if (_pid == 0) {
      FILE* f = freopen(out.c_str(), "a", stdout);
      if (f != nullptr) dup2(fileno(stdout), 2);
      execl(kNginx, kNginx, "-p", _dir.path().c_str(), "-c", conf.c_str(), "-e",
            _dir.file("error.log").c_str(), "-g", "daemon off;", static_cast<char*>(nullptr));
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(_pid, &status, WNOHANG) == _pid) {
        _pid = -1;
        throw std::runtime_error("nginx exited at start-up:\n" + log());
      }
      try {
        if (client().request("GET", "/").status > 0) return;  // any answer, even 401, is ready
      } catch (...) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    throw std::runtime_error("nginx did not answer within 10 s:\n" + log());
  }

  void stop() {
    if (_pid <= 0) return;
    kill(_pid, SIGTERM);
    int status = 0;
    bool reaped = false;
    for (int i = 0; i < 100 && !reaped; ++i) {  // up to 5 s for a clean exit
      reaped = waitpid(_pid, &status, WNOHANG) == _pid;
      if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!reaped) {
      kill(_pid, SIGKILL);
      waitpid(_pid, &status, 0);
    }
    _pid = -1;
  }

  HttpClient client() const { return HttpClient("127.0.0.1", _port); }
  // The recipe in front of the file server.
  HttpClient filesClient() const { return HttpClient("127.0.0.1", _filesPort); }
  HttpClient cacheClient() const { return HttpClient("127.0.0.1", _cachePort); }
  std::string log() const {
    return readFile(_dir.file("nginx.out")) + readFile(_dir.file("error.log"));
  }

 private:
  TempDir _dir;
  int _port;
  int _filesPort;
  int _cachePort;
  pid_t _pid = -1;
};

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
