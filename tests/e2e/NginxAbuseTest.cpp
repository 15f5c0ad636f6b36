// Issue 16 "Brute force and abuse" through a real nginx running the operator's recipe
// (docs/nginx-example.conf, which forwards X-Forwarded-For with $proxy_add_x_forwarded_for): the
// client address nginx saw is the one counted — not what the client wrote into its own
// X-Forwarded-For — and past abuse.sourceFailures the client's calls are denied 403 with
// X-Keywarden-Code: TOO_MANY_ATTEMPTS, good key included.
#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Array.h>

#include <map>
#include <memory>
#include <string>

#include "tests/e2e/FileServer.h"
#include "tests/e2e/NginxProcess.h"
#include "tests/support/HttpClient.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TempDir.h"

using namespace keywarden;
using namespace keywarden::test;

class NginxAbuseTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(NginxAbuseTest);
  CPPUNIT_TEST(clientNginxSawIsBlockedWhateverItForwardsItself);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    int gatewayPort = freePort();
    // nginx reaches Keywarden from 127.0.0.2 (proxy_bind): the trusted proxy; the test client
    // is 127.0.0.1, an untrusted client.
    _server = std::make_unique<ServerProcess>(
        std::map<std::string, std::string>{{"gateway.port", std::to_string(gatewayPort)},
                                           {"abuse.trustedProxies", "127.0.0.2"},
                                           {"abuse.sourceFailures", "5"}});
    _server->start();
    _files = std::make_unique<FileServer>();
    _files->start();
    _nginx = std::make_unique<NginxProcess>();
    _nginx->authExtra = "proxy_bind 127.0.0.2;";
    _nginx->start(gatewayPort, _files->port());
  }
  void tearDown() override {
    if (_nginx) _nginx->stop();
    _nginx.reset();
    if (_server) _server->stop();
    _server.reset();
    _files.reset();
  }

  void clientNginxSawIsBlockedWhateverItForwardsItself() {
    HttpClient api = _server->client();
    CPPUNIT_ASSERT_EQUAL(201, api.call("POST", "/v1/clients", _server->adminToken(),
                                       R"({"id":"acme","name":"Acme"})")
                                  .status);
    HttpResponse k =
        api.call("POST", "/v1/keys", _server->adminToken(), R"({"clientId":"acme","name":"k"})");
    std::string good = k.json()->getValue<std::string>("key");
    CPPUNIT_ASSERT_EQUAL(200,
                         _nginx->client().request("GET", "/x", "", {{"X-API-Key", good}}).status);
    // Five made-up keys (their checksum fails), each claiming another address in its own
    // X-Forwarded-For.
    for (int i = 0; i < 5; ++i) {
      HttpResponse r = _nginx->client().request(
          "GET", "/x", "",
          {{"X-API-Key", "kw_" + std::string(43, static_cast<char>('a' + i)) + "000000"},
           {"X-Forwarded-For", "198.51.100." + std::to_string(i)}});
      CPPUNIT_ASSERT_EQUAL(401, r.status);
      CPPUNIT_ASSERT_EQUAL(std::string("MALFORMED"), r.header("X-Keywarden-Code"));
    }
    HttpResponse blocked = _nginx->client().request(
        "GET", "/x", "", {{"X-API-Key", good}, {"X-Forwarded-For", "198.51.100.200"}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(blocked.body, 403, blocked.status);
    CPPUNIT_ASSERT_EQUAL(std::string("TOO_MANY_ATTEMPTS"), blocked.header("X-Keywarden-Code"));
    auto rows = api.call("GET", "/v1/bad-attempts?table=source", _server->adminToken())
                    .json()
                    ->getArray("attempts");
    CPPUNIT_ASSERT_EQUAL(size_t(1), rows->size());
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"),
                         rows->getObject(0)->getValue<std::string>("clientAddress"));
  }

 private:
  std::unique_ptr<ServerProcess> _server;
  std::unique_ptr<FileServer> _files;
  std::unique_ptr<NginxProcess> _nginx;
};

CPPUNIT_TEST_SUITE_REGISTRATION(NginxAbuseTest);
