// End-to-end: Debian's Caddy (forward_auth) in front of an upstream, asking a real Keywarden's
// gateway listener (gateway.port) whether each call may pass. The recipe below is the one the
// README gives for Caddy.
#include <cppunit/extensions/HelperMacros.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/HttpClient.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TempDir.h"

using namespace keywarden::test;

namespace {

const char* const kCaddy = "/usr/bin/caddy";

std::string replaceAll(std::string text, const std::string& mark, const std::string& value) {
  for (size_t at = text.find(mark); at != std::string::npos;
       at = text.find(mark, at + value.size()))
    text.replace(at, mark.size(), value);
  return text;
}

// The operator's recipe: forward_auth sends the call's method and URI in X-Forwarded-Method and
// X-Forwarded-Uri (which it sets itself, so a client's copies never count); the client's own
// X-Original-* copies are dropped so they cannot even be compared. A 2xx lets the call through
// with the identity headers copied to the upstream request; any other answer (401, 403, 429
// with Retry-After) goes back to the client as Keywarden gave it.
const char* const kRecipe = R"(forward_auth {{keywarden}} {
	uri /v1/gateway/auth
	header_up -X-Original-URI
	header_up -X-Original-Method
	copy_headers X-Keywarden-Key-Id X-Keywarden-Client-Id X-Keywarden-Scopes X-Keywarden-Remaining
}
)";

std::string caddyfile(int port, int upstreamPort, int keywardenPort) {
  std::string recipe =
      replaceAll(kRecipe, "{{keywarden}}", "127.0.0.1:" + std::to_string(keywardenPort));
  return "{\n\tadmin off\n\tauto_https off\n}\n"
         "http://127.0.0.1:" +
         std::to_string(port) + " {\n" + recipe +
         "reverse_proxy 127.0.0.1:" + std::to_string(upstreamPort) + "\n}\n" +
         "http://127.0.0.1:" + std::to_string(upstreamPort) +
         " {\n"
         "respond \"upstream client={http.request.header.X-Keywarden-Client-Id} "
         "uri={http.request.uri}\" 200\n}\n";
}

// caddy run in the foreground as a child process, HOME and XDG dirs in its temp dir.
class CaddyProcess {
 public:
  CaddyProcess() : _dir("kwcaddy"), _port(freePort()) {}
  ~CaddyProcess() { stop(); }

  void start(int keywardenPort) {
    std::string conf = _dir.file("Caddyfile");
    writeFile(conf, caddyfile(_port, freePort(), keywardenPort));
    std::string out = _dir.file("caddy.out");
    _pid = fork();
    if (_pid < 0) throw std::runtime_error("fork failed");
    if (_pid == 0) {
      FILE* f = freopen(out.c_str(), "a", stdout);
      if (f != nullptr) dup2(fileno(stdout), 2);
      setenv("HOME", _dir.path().c_str(), 1);
      setenv("XDG_DATA_HOME", _dir.file("data").c_str(), 1);
      setenv("XDG_CONFIG_HOME", _dir.file("config").c_str(), 1);
      execl(kCaddy, kCaddy, "run", "--config", conf.c_str(), "--adapter", "caddyfile",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(_pid, &status, WNOHANG) == _pid) {
        _pid = -1;
        throw std::runtime_error("caddy exited at start-up:\n" + readFile(out));
      }
      try {
        if (client().request("GET", "/").status > 0) return;  // any answer is ready
      } catch (...) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    throw std::runtime_error("caddy did not answer within 20 s:\n" + readFile(out));
  }

  void stop() {
    if (_pid <= 0) return;
    kill(_pid, SIGTERM);
    int status = 0;
    bool reaped = false;
    for (int i = 0; i < 100 && !reaped; ++i) {
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

 private:
  TempDir _dir;
  int _port;
  pid_t _pid = -1;
};

std::string describe(const HttpResponse& r) {
  return "status " + std::to_string(r.status) + ", code '" + r.header("X-Keywarden-Code") +
         "', body: " + r.body;
}

}  // namespace

class CaddyGatewayTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(CaddyGatewayTest);
  CPPUNIT_TEST(keyInAnyConfiguredHeaderReachesUpstreamWithItsClientId);
  CPPUNIT_TEST(callerCannotSpoofTheIdentityOrTheOriginalRequest);
  CPPUNIT_TEST(refusalsReachTheClientWithTheirCode);
  CPPUNIT_TEST(scopedKeyPassesOnlyOnItsApi);
  CPPUNIT_TEST(rateLimitedAnswer429CarriesRetryAfter);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    int gw = freePort();
    _server = std::make_unique<ServerProcess>(std::map<std::string, std::string>{
        {"gateway.port", std::to_string(gw)}, {"gateway.rateLimitStatus", "429"}});
    _server->start();
    admin("POST", "/v1/clients", R"({"id":"acme","name":"Acme Shop","clientType":"partner"})", 201);
    admin("POST", "/v1/apis",
          R"({"id":"orders-get","name":"Get order","method":"GET","path":"/orders/{id}",)"
          R"("scopes":["orders:read"]})",
          201);
    _caddy = std::make_unique<CaddyProcess>();
    _caddy->start(gw);
  }

  void tearDown() override {
    if (_caddy) _caddy->stop();
    _caddy.reset();
    if (_server) _server->stop();
    _server.reset();
  }

  void keyInAnyConfiguredHeaderReachesUpstreamWithItsClientId() {
    std::string key = issueKey("[]");
    for (const auto& [h, v] :
         std::vector<std::pair<std::string, std::string>>{{"X-API-Key", key},
                                                          {"X-TLM-Key", key},
                                                          {"secret", key},
                                                          {"client-key", key},
                                                          {"apikey", key},
                                                          {"Cookie", "a=b; mia_client_key=" + key},
                                                          {"Authorization", "Bearer " + key}}) {
      HttpResponse r = call("GET", "/anything?x=1", {{h, v}});
      CPPUNIT_ASSERT_EQUAL_MESSAGE(h + ": " + describe(r), 200, r.status);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(h, std::string("upstream client=acme uri=/anything?x=1"),
                                   r.body);
    }
  }

  void callerCannotSpoofTheIdentityOrTheOriginalRequest() {
    std::string key = issueKey(R"(["orders:read"])");
    HttpResponse r =
        call("GET", "/orders/7", {{"X-API-Key", key}, {"X-Keywarden-Client-Id", "someone-else"}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), std::string("upstream client=acme uri=/orders/7"),
                                 r.body);
    // A client's X-Original-* and X-Forwarded-* copies do not steer the check: the API below is
    // not in the key's grant whatever the headers claim.
    r = call("DELETE", "/orders/7",
             {{"X-API-Key", key},
              {"X-Original-URI", "/orders/7"},
              {"X-Original-Method", "GET"},
              {"X-Forwarded-Method", "GET"},
              {"X-Forwarded-Uri", "/orders/7"}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 403, r.status);
    CPPUNIT_ASSERT(r.body.find("upstream") == std::string::npos);
    // A target the upstream may read another way is refused, not matched.
    r = call("GET", "/orders/%2e%2e/admin", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 403, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_PATH"), r.header("X-Keywarden-Reason"));
  }

  void refusalsReachTheClientWithTheirCode() {
    HttpResponse r = call("GET", "/x", {});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 401, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("MALFORMED"), r.header("X-Keywarden-Code"));
    r = call("GET", "/x", {{"X-API-Key", "kw_nosuchkey00000000000000000000000000000000"}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 401, r.status);
    std::string id;
    std::string key = issueKey("[]", &id);
    admin("POST", "/v1/keys/" + id + "/revoke", R"({"reason":"test"})", 200);
    r = call("GET", "/x", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 403, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("REVOKED"), r.header("X-Keywarden-Code"));
  }

  void scopedKeyPassesOnlyOnItsApi() {
    std::string key = issueKey(R"(["orders:read"])");
    CPPUNIT_ASSERT_EQUAL(200, call("GET", "/orders/7", {{"X-API-Key", key}}).status);
    HttpResponse r = call("POST", "/orders/7", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 403, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), r.header("X-Keywarden-Code"));
  }

  void rateLimitedAnswer429CarriesRetryAfter() {
    auto created =
        admin("POST", "/v1/keys",
              R"({"clientId":"acme","name":"limited","rateLimit":{"limit":1,"window":"1h"}})", 201);
    std::string key = created.json()->getValue<std::string>("key");
    CPPUNIT_ASSERT_EQUAL(200, call("GET", "/a", {{"X-API-Key", key}}).status);
    HttpResponse r = call("GET", "/a", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(describe(r), 429, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("RATE_LIMITED"), r.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT_MESSAGE(describe(r), !r.header("Retry-After").empty());
  }

 private:
  HttpResponse admin(const std::string& method, const std::string& path, const std::string& body,
                     int expected) {
    HttpResponse r = _server->client().call(method, path, _server->adminToken(), body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(method + " " + path + ": " + r.body, expected, r.status);
    return r;
  }
  std::string issueKey(const std::string& scopes, std::string* id = nullptr) {
    auto r = admin("POST", "/v1/keys",
                   R"({"clientId":"acme","name":"caddy test","scopes":)" + scopes + "}", 201);
    auto json = r.json();
    if (id != nullptr) *id = json->getValue<std::string>("id");
    return json->getValue<std::string>("key");
  }
  HttpResponse call(const std::string& method, const std::string& path,
                    const std::vector<std::pair<std::string, std::string>>& headers) {
    return _caddy->client().request(method, path, "", headers);
  }

  std::unique_ptr<ServerProcess> _server;
  std::unique_ptr<CaddyProcess> _caddy;
};

CPPUNIT_TEST_SUITE_REGISTRATION(CaddyGatewayTest);
