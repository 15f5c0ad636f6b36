#include <cstdio>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

namespace {
std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (p) pclose(p);
  return out;
}
}  // namespace

// The TLS listener (Poco NetSSL over Debian's OpenSSL 3) serves the same API as plain HTTP.
class HttpsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HttpsTest);
  CPPUNIT_TEST(tlsListenerServesTheApi);
  CPPUNIT_TEST(missingCertificateFileStopsStartUp);
  CPPUNIT_TEST_SUITE_END();

 public:
  void tlsListenerServesTheApi() {
    TempDir certs("kwcert");
    std::string cert = certs.file("cert.pem"), key = certs.file("key.pem");
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key +
        " -out " + cert);
    int tls = freePort();
    ServerProcess server(std::map<std::string, std::string>{{"https.port", std::to_string(tls)},
                                                            {"https.certificate", cert},
                                                            {"https.privateKey", key}});
    server.start();
    std::string url = "https://127.0.0.1:" + std::to_string(tls);
    std::string health = run("curl -sS --max-time 10 --cacert " + cert + " " + url + "/healthz");
    CPPUNIT_ASSERT_MESSAGE(health, health.find("\"ok\"") != std::string::npos);
    std::string clients =
        run("curl -sS --max-time 10 --cacert " + cert + " -H 'Authorization: Bearer " +
            server.adminToken() + "' " + url + "/v1/clients");
    CPPUNIT_ASSERT_MESSAGE(clients, clients.find("\"clients\"") != std::string::npos);
    std::string plain =
        run("curl -sS --max-time 10 -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
            std::to_string(tls) + "/healthz");
    CPPUNIT_ASSERT_MESSAGE(plain, plain.find("200") == std::string::npos);
    // The raw header check sees the decrypted bytes: an encoded word is refused over TLS too,
    // and kept-alive requests on one TLS connection are each served.
    std::string encoded =
        run("curl -sS --max-time 10 --cacert " + cert +
            " -o /dev/null -w '%{http_code}' -H 'X-Probe: =?UTF-8?Q?x?=' " + url + "/healthz");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(encoded, std::string("400"), encoded);
    std::string twice = run("curl -sS --max-time 10 --cacert " + cert +
                            " -o /dev/null -o /dev/null -w '%{http_code} %{num_connects};' " + url +
                            "/healthz " + url + "/healthz");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(twice, std::string("200 1;200 0;"), twice);
  }

  void missingCertificateFileStopsStartUp() {
    ServerProcess server(
        std::map<std::string, std::string>{{"https.port", std::to_string(freePort())},
                                           {"https.certificate", "/nonexistent/cert.pem"},
                                           {"https.privateKey", "/nonexistent/key.pem"}});
    CPPUNIT_ASSERT_THROW(server.start(), std::runtime_error);
    CPPUNIT_ASSERT_MESSAGE(server.log(),
                           server.log().find("https.certificate") != std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpsTest);
