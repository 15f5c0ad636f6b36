// "Every value is checked, none is silently altered" for what surrounds a body: its
// Content-Type (given once, UTF-8 only), the lists inside it (each value once), and the query
// of a read of one object (none taken, as changes take none).
#include <string>
#include <vector>

#include "tests/integration/Fixture.h"
#include "tests/support/RawHttp.h"

using namespace keywarden::test;

class RequestBodyRulesTest : public Fixture {
  CPPUNIT_TEST_SUITE(RequestBodyRulesTest);
  CPPUNIT_TEST(contentTypeTwiceOrAnotherCharsetIsRefusedNamingIt);
  CPPUNIT_TEST(aValueRepeatedInAListIsRefusedNamingTheList);
  CPPUNIT_TEST(aReadOfOneObjectTakesNoQueryParameter);
  CPPUNIT_TEST_SUITE_END();

 public:
  int gwPort = 0;
  std::map<std::string, std::string> settings() override {
    gwPort = freePort();
    return {{"gateway.port", std::to_string(gwPort)}};
  }

  static void refused(const HttpResponse& r, int status, const std::string& code,
                      const std::string& field, const std::string& what) {
    CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " -> " + r.body, status, r.status);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " -> " + r.body, code, r.errorCode());
    auto e = r.json()->getObject("error");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " -> " + r.body, field,
                                 e->has("field") ? e->getValue<std::string>("field") : "");
  }

  HttpResponse withType(const std::string& type, const std::string& body) {
    return server->client().request("POST", "/v1/clients", body,
                                    {{"Authorization", "Bearer " + server->adminToken()}}, type);
  }

  // A POST with the raw header lines `headers` (each ending CRLF) to `port`.
  HttpResponse raw(int port, const std::string& path, const std::string& headers,
                   const std::string& body) {
    return RawHttp::exchange(
        port, "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  server->adminToken() + "\r\n" + headers +
                  "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }

  void contentTypeTwiceOrAnotherCharsetIsRefusedNamingIt() {
    const std::string body = R"({"id":"c9","name":"C"})";
    for (const char* t :
         {"application/json; charset=latin1", "application/json;charset=ISO-8859-1",
          "application/json; charset=\"utf-16\"", "application/json; charset=utf-8; charset=latin1",
          "application/json; charset", "text/plain"})
      refused(withType(t, body), 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type", t);
    for (const std::string& twice :
         {std::string("Content-Type: application/json\r\nContent-Type: application/json\r\n"),
          std::string("Content-Type: application/json\r\nContent-type: text/plain\r\n")})
      refused(raw(server->port(), "/v1/clients", twice, body), 400, "BAD_HEADER", "Content-Type",
              twice);
    // The verify call on both listeners.
    const std::string verify = R"({"key":"kw_nosuchkey000000000000000000000"})";
    const std::string twice = "Content-Type: application/json\r\nContent-Type: text/plain\r\n";
    for (int port : {server->port(), gwPort}) {
      refused(raw(port, "/v1/keys/verify", twice, verify), 400, "BAD_HEADER", "Content-Type",
              "verify " + std::to_string(port));
      refused(raw(port, "/v1/keys/verify", "Content-Type: application/json; charset=latin1\r\n",
                  verify),
              415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type", "verify " + std::to_string(port));
    }
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/clients/c9").status);
    for (const char* t : {"application/json; charset=UTF-8", "application/json;charset=\"utf-8\"",
                          "Application/JSON"}) {
      HttpResponse ok = withType(t, std::string(R"({"name":"C"})"));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(t) + " " + ok.body, 201, ok.status);
    }
  }

  void aValueRepeatedInAListIsRefusedNamingTheList() {
    issue(R"({"clientId":"c1","name":"first"})");  // makes client c1
    CPPUNIT_ASSERT_EQUAL(201,
                         admin("POST", "/v1/apis", R"({"id":"a1","name":"A","path":"/a"})").status);
    refused(
        admin("POST", "/v1/apis", R"({"id":"a2","name":"A","path":"/b","scopes":["r","w","r"]})"),
        400, "INVALID_FIELD", "scopes", "api scopes");
    refused(admin("POST", "/v1/groups", R"({"id":"g1","name":"G","apis":["a1","a1"]})"), 400,
            "INVALID_FIELD", "apis", "group apis");
    CPPUNIT_ASSERT_EQUAL(
        201, admin("POST", "/v1/groups", R"({"id":"g1","name":"G","apis":["a1"]})").status);
    refused(admin("PATCH", "/v1/groups/g1", R"({"apis":["a1","a1"]})"), 400, "INVALID_FIELD",
            "apis", "group patch");
    refused(admin("POST", "/v1/keys", R"({"clientId":"c1","name":"k","apis":["a1","a1"]})"), 400,
            "INVALID_FIELD", "apis", "key apis");
    refused(admin("POST", "/v1/keys", R"({"clientId":"c1","name":"k","groups":["g1","g1"]})"), 400,
            "INVALID_FIELD", "groups", "key groups");
    refused(admin("POST", "/v1/keys", R"({"clientId":"c1","name":"k","scopes":["s","s"]})"), 400,
            "INVALID_FIELD", "scopes", "key scopes");
    HttpResponse msg =
        admin("POST", "/v1/keys", R"({"clientId":"c1","name":"k","scopes":["s","t","s"]})");
    CPPUNIT_ASSERT_MESSAGE(msg.body,
                           msg.body.find("scopes[2] repeats scopes[0]") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/apis/a2").status);  // nothing stored
  }

  void aReadOfOneObjectTakesNoQueryParameter() {
    issue(R"({"clientId":"c1","name":"first"})");  // makes client c1
    CPPUNIT_ASSERT_EQUAL(201,
                         admin("POST", "/v1/apis", R"({"id":"a1","name":"A","path":"/a"})").status);
    CPPUNIT_ASSERT_EQUAL(
        201, admin("POST", "/v1/groups", R"({"id":"g1","name":"G","apis":["a1"]})").status);
    std::string keyId = newKey().first;
    for (const std::string& p :
         {std::string("/v1/clients/c1"), std::string("/v1/apis/a1"), std::string("/v1/groups/g1"),
          "/v1/keys/" + keyId, "/v1/tenants/default/apiKeys/" + keyId}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(p, 200, admin("GET", p).status);
      refused(admin("GET", p + "?tenant=other"), 400, "UNKNOWN_FIELD", "tenant", p);
    }
    // Lists keep their documented parameters.
    CPPUNIT_ASSERT_EQUAL(200, admin("GET", "/v1/clients?tenant=default").status);
    refused(admin("GET", "/v1/clients?x=1"), 400, "UNKNOWN_FIELD", "x", "list");
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RequestBodyRulesTest);
