// End-to-end: a real nginx (auth_request) in front of a static upstream, asking a real Keywarden
// whether each call may pass. The nginx recipe below is the one README and
// docs/nginx-example.conf give to operators.
#include <cppunit/extensions/HelperMacros.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

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

// The operator's recipe: nginx asks Keywarden about every request with auth_request, passes the
// caller's client id to the upstream and shows Keywarden's code on a denial.
const char* const kRecipe = R"(server {
  listen {{listen}};

  location / {
    auth_request /_keywarden;
    auth_request_set $kw_client $upstream_http_x_keywarden_client_id;
    auth_request_set $kw_code $upstream_http_x_keywarden_code;
    proxy_set_header X-Client-Id $kw_client;
    proxy_pass {{upstream}};
    error_page 401 = @denied401;
    error_page 403 = @denied403;
  }

  location = /_keywarden {
    internal;
    proxy_pass http://{{keywarden}}/v1/gateway/auth;
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    proxy_set_header X-Original-URI $request_uri;
    proxy_set_header X-Original-Method $request_method;
  }

  location @denied401 {
    add_header X-Keywarden-Code $kw_code always;
    return 401;
  }

  location @denied403 {
    add_header X-Keywarden-Code $kw_code always;
    return 403;
  }
}
)";

// `keywarden` is host:port; `upstream` a URL.
std::string gatewayRecipe(const std::string& listen, const std::string& keywarden,
                          const std::string& upstream) {
  return fill(kRecipe, {{"listen", listen}, {"keywarden", keywarden}, {"upstream", upstream}});
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

{{recipe}}
  server {
    listen 127.0.0.1:{{upstreamPort}};
    location / { return 200 "upstream client=$http_x_client_id\n"; }
  }
}
)";

std::string testConf(const std::string& dir, int port, int keywardenPort, int upstreamPort) {
  std::string upstream = std::to_string(upstreamPort);
  return fill(kTestConf, {{"user", geteuid() == 0 ? "user root;\n" : ""},
                          {"dir", dir},
                          {"upstreamPort", upstream},
                          {"recipe", gatewayRecipe("127.0.0.1:" + std::to_string(port),
                                                   "127.0.0.1:" + std::to_string(keywardenPort),
                                                   "http://127.0.0.1:" + upstream)}});
}

// nginx in the foreground as a child process; stop() always reaps it.
class NginxProcess {
 public:
  NginxProcess() : _dir("kwnginx"), _port(freePort()) {}
  ~NginxProcess() { stop(); }

  void start(int keywardenPort) {
    std::string conf = _dir.file("nginx.conf");
    writeFile(conf, testConf(_dir.path(), _port, keywardenPort, freePort()));
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
  std::string log() const {
    return readFile(_dir.file("nginx.out")) + readFile(_dir.file("error.log"));
  }

 private:
  TempDir _dir;
  int _port;
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
  CPPUNIT_TEST(exampleConfigIsTheTestedRecipe);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    _server = std::make_unique<ServerProcess>();
    _server->start();
    admin("POST", "/v1/clients", R"({"id":"acme","name":"Acme Shop","clientType":"partner"})", 201);
    admin("POST", "/v1/apis",
          R"({"id":"orders-get","name":"Get order","method":"GET","path":"/orders/{id}",)"
          R"("scopes":["orders:read"]})",
          201);
    _nginx = std::make_unique<NginxProcess>();
    _nginx->start(_server->port());
  }

  void tearDown() override {
    if (_nginx) _nginx->stop();
    _nginx.reset();
    if (_server) _server->stop();
    _server.reset();
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

  void exampleConfigIsTheTestedRecipe() {
    std::string doc = readFile(std::string(KEYWARDEN_SOURCE_DIR) + "/docs/nginx-example.conf");
    std::string recipe = gatewayRecipe("80", "127.0.0.1:8080", "http://127.0.0.1:9000");
    CPPUNIT_ASSERT_MESSAGE("docs/nginx-example.conf must hold gatewayRecipe() verbatim:\n" + recipe,
                           doc.find(recipe) != std::string::npos);
  }

 private:
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
  std::unique_ptr<NginxProcess> _nginx;
};

CPPUNIT_TEST_SUITE_REGISTRATION(NginxGatewayTest);
