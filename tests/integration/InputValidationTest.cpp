// Every value is checked and none is silently altered (issue 10 §4), against the real server:
// each bad input answers 400 (or 405) with the JSON code and the field, the body is valid
// UTF-8, and nothing changed.
#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Object.h>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

namespace {
// Well-formed UTF-8 (RFC 3629).
bool validUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80                 ? 1
               : c >= 0xC2 && c <= 0xDF ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    auto c1 = static_cast<unsigned char>(n > 1 ? s[i + 1] : 0);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 >= 0x90))
      return false;
    i += n;
  }
  return true;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
}  // namespace

class InputValidationTest : public Fixture {
  CPPUNIT_TEST_SUITE(InputValidationTest);
  CPPUNIT_TEST(integersOutOfRangeAreRefusedNamingTheFieldAndNothingIsIssued);
  CPPUNIT_TEST(verifyCostBeyondInt64IsA400NotA500);
  CPPUNIT_TEST(nestedFieldsAreNamedByTheirJsonPath);
  CPPUNIT_TEST(lengthsCountCharactersAndControlsAndNulAreRefused);
  CPPUNIT_TEST(emailAddressesAreCheckedWhereverTheyEnter);
  CPPUNIT_TEST(scopesHoldNoCommaNorControlsAnywhere);
  CPPUNIT_TEST(timesAreExactlyRfc3339AndWhatIsPrintedIsAccepted);
  CPPUNIT_TEST(jsonDuplicatesBomTrailingTextAndDepthAreRefused);
  CPPUNIT_TEST(errorBodiesAreValidUtf8EvenWhenTheyQuoteBadInput);
  CPPUNIT_TEST(listQueriesAreParsedStrictly);
  CPPUNIT_TEST(apiPathsThatCanNeverMatchAreRefused);
  CPPUNIT_TEST(fixedPathsAnswer405WithAllowNot404);
  CPPUNIT_TEST(cliTokenEmailIsChecked);
  CPPUNIT_TEST(metaComesBackExactlyAsSent);
  CPPUNIT_TEST_SUITE_END();

 public:
  // Checks status, error code and field, and that the body is valid UTF-8 JSON.
  void refused(const HttpResponse& r, int status, const std::string& code, const std::string& field,
               const std::string& what) {
    CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " -> " + r.body, status, r.status);
    CPPUNIT_ASSERT_MESSAGE(what + ": body is not UTF-8", validUtf8(r.body));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " -> " + r.body, code, r.errorCode());
    auto e = r.json()->getObject("error");
    std::string got = e->has("field") ? e->getValue<std::string>("field") : "";
    CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " -> " + r.body, field, got);
  }
  std::string keys() { return admin("GET", "/v1/keys").body; }
  void makeClient() {
    if (clientMade) return;
    CPPUNIT_ASSERT_EQUAL(201, admin("POST", "/v1/clients", R"({"id":"c1","name":"C"})").status);
    clientMade = true;
  }

  void integersOutOfRangeAreRefusedNamingTheFieldAndNothingIsIssued() {
    makeClient();
    std::string before = keys();
    for (const char* q :
         {"18446744073709551617", "9223372036854775808", "-9223372036854775809", "1000000000000001",
          "-2", "1.5", "1e3", "1.0", "\"5\"", "true", "[1]", "{}"}) {
      std::string body = std::string(R"({"clientId":"c1","name":"k","quota":)") + q + "}";
      refused(admin("POST", "/v1/keys", body), 400, "INVALID_FIELD", "quota", body);
    }
    CPPUNIT_ASSERT_EQUAL(before, keys());
    auto ok = admin("POST", "/v1/keys", R"({"clientId":"c1","name":"k","quota":1000000000000000})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ok.body, 201, ok.status);
    CPPUNIT_ASSERT_EQUAL(Poco::Int64(1000000000000000), ok.json()->getValue<Poco::Int64>("quota"));
    std::string id = ok.json()->getValue<std::string>("id");
    std::string after = keys();
    for (const char* g : {"-1", "31622401", "1.5", "1e3", "18446744073709551617", "\"10\""}) {
      std::string body = std::string(R"({"graceSeconds":)") + g + "}";
      refused(admin("POST", "/v1/keys/" + id + "/rotate", body), 400, "INVALID_FIELD",
              "graceSeconds", body);
    }
    CPPUNIT_ASSERT_EQUAL(after, keys());
  }

  void verifyCostBeyondInt64IsA400NotA500() {
    for (const char* c : {"9223372036854775808", "18446744073709551617", "-1", "1000000001", "1.5",
                          "1e2", "\"1\"", "null"}) {
      std::string body = std::string(R"({"key":"kw_x","cost":)") + c + "}";
      auto r = server->client().request("POST", "/v1/keys/verify", body);
      if (std::string(c) == "null") {  // null is "absent": cost 1
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
        continue;
      }
      refused(r, 400, "INVALID_FIELD", "cost", body);
    }
  }

  void nestedFieldsAreNamedByTheirJsonPath() {
    makeClient();
    std::string before = keys();
    struct Case {
      const char* body;
      const char* field;
    } cases[] = {
        {R"({"clientId":"c1","name":"k","rateLimit":{"limit":0,"window":"1s"}})",
         "rateLimit.limit"},
        {R"({"clientId":"c1","name":"k","rateLimit":{"limit":1.5,"window":"1s"}})",
         "rateLimit.limit"},
        {R"({"clientId":"c1","name":"k","rateLimit":{"limit":1,"window":"99999999999999999d"}})",
         "rateLimit.window"},
        {R"({"clientId":"c1","name":"k","rateLimit":{"limit":1,"window":"-1s"}})",
         "rateLimit.window"},
        {R"({"clientId":"c1","name":"k","rateLimit":{"limit":1,"window":"1w"}})",
         "rateLimit.window"},
        {R"({"clientId":"c1","name":"k","quota":5,"refill":{"amount":0,"interval":"daily"}})",
         "refill.amount"},
        {R"({"clientId":"c1","name":"k","quota":5,"refill":{"amount":18446744073709551617,"interval":"daily"}})",
         "refill.amount"},
        {R"({"clientId":"c1","name":"k","quota":5,"refill":{"amount":1,"interval":"weekly"}})",
         "refill.interval"},
        {R"({"clientId":"c1","name":"k","meta":{"a":{"b":1,"b":2}}})", "meta.a.b"},
        {R"({"clientId":"c1","name":"k","meta":{"n":18446744073709551617}})", "meta.n"},
        {R"({"clientId":"c1","name":"k","meta":{"s":"x\u0000y"}})", "meta.s"},
    };
    for (const auto& c : cases)
      refused(admin("POST", "/v1/keys", c.body), 400, "INVALID_FIELD", c.field, c.body);
    CPPUNIT_ASSERT_EQUAL(before, keys());
    auto r = admin("POST", "/v1/applications",
                   R"({"kind":"new","clientId":"c1","keyName":"k","requesterEmail":"r@example.com",
                       "quota":18446744073709551617})");
    refused(r, 400, "INVALID_FIELD", "quota", "application quota");
  }

  void lengthsCountCharactersAndControlsAndNulAreRefused() {
    makeClient();
    // 67 × 長 is 67 characters (201 bytes): a fine name.
    auto ok = admin("POST", "/v1/keys",
                    R"({"clientId":"c1","name":")" + repeat("\xe9\x95\xb7", 67) + "\"}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ok.body, 201, ok.status);
    CPPUNIT_ASSERT_EQUAL(repeat("\xe9\x95\xb7", 67), ok.json()->getValue<std::string>("name"));
    ok = admin("POST", "/v1/keys",
               R"({"clientId":"c1","name":")" + repeat("\xe9\x95\xb7", 200) + "\"}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ok.body, 201, ok.status);
    std::string before = keys();
    std::string bads[] = {
        R"({"clientId":"c1","name":")" + repeat("\xe9\x95\xb7", 201) + "\"}",
        R"({"clientId":"c1","name":"ops\u0000x"})",
        R"({"clientId":"c1","name":"a\nb"})",
        R"({"clientId":"c1","name":"a\u001bb"})",
        R"({"clientId":"c1","name":"a\u0085b"})",
        R"({"clientId":"c1","name":"a\u2028b"})",  // line and paragraph separators
        R"({"clientId":"c1","name":"a\u2029b"})",
        "{\"clientId\":\"c1\",\"name\":\"a\xff\"}",
        "{\"clientId\":\"c1\",\"name\":\"\xed\xa0\x80\"}",
        R"({"clientId":"c1","name":"\ud800"})",
    };
    for (const auto& b : bads)
      refused(admin("POST", "/v1/keys", b), 400, "INVALID_FIELD", "name", b);
    CPPUNIT_ASSERT_EQUAL(before, keys());
    std::string clients = admin("GET", "/v1/clients").body;
    refused(admin("POST", "/v1/clients", R"({"id":"c2","name":"x\u0000y"})"), 400, "INVALID_FIELD",
            "name", "client name with NUL");
    CPPUNIT_ASSERT_EQUAL(clients, admin("GET", "/v1/clients").body);
    // A reason is multi-line text, counted in characters.
    std::string id = ok.json()->getValue<std::string>("id");
    refused(admin("POST", "/v1/keys/" + id + "/disable",
                  R"({"reason":")" + repeat("\xe8\xaa\xaa", 501) + "\"}"),
            400, "INVALID_FIELD", "reason", "501-character reason");
    refused(admin("POST", "/v1/keys/" + id + "/disable", R"({"reason":"a\u0000"})"), 400,
            "INVALID_FIELD", "reason", "NUL reason");
    CPPUNIT_ASSERT_EQUAL(before, keys());
    auto d = admin("POST", "/v1/keys/" + id + "/disable",
                   R"({"reason":")" + repeat("\xe8\xaa\xaa", 490) + "\\nline 2\"}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(d.body, 200, d.status);
  }

  void emailAddressesAreCheckedWhereverTheyEnter() {
    std::string clients = admin("GET", "/v1/clients").body;
    for (const char* e : {R"(ops\u0000x@example.com)", "ops x@example.com", "<ops@example.com>",
                          "ops@example.com,evil@example.com", R"(\"ops\"@example.com)",
                          R"(ops@example.com\r\nBcc: x@example.com)", "ops", "ops@"}) {
      std::string body = std::string(R"({"id":"c9","name":"C","contactEmail":")") + e + "\"}";
      refused(admin("POST", "/v1/clients", body), 400, "INVALID_FIELD", "contactEmail", body);
    }
    CPPUNIT_ASSERT_EQUAL(clients, admin("GET", "/v1/clients").body);
    makeClient();
    std::string apps = admin("GET", "/v1/applications").body;
    refused(
        admin(
            "POST", "/v1/applications",
            R"({"kind":"new","clientId":"c1","keyName":"k","requesterEmail":"ops\u0000x@example.com"})"),
        400, "INVALID_FIELD", "requesterEmail", "requesterEmail with NUL");
    refused(
        admin(
            "POST", "/v1/applications",
            R"({"kind":"new","clientId":"c1","keyName":"k","requesterEmail":"ops x@example.com"})"),
        400, "INVALID_FIELD", "requesterEmail", "requesterEmail with a space");
    CPPUNIT_ASSERT_EQUAL(apps, admin("GET", "/v1/applications").body);
    // No mail was queued for any of them.
    CPPUNIT_ASSERT_EQUAL(size_t(0), admin("GET", "/v1/mail").json()->getArray("mail")->size());
  }

  void scopesHoldNoCommaNorControlsAnywhere() {
    makeClient();
    std::string before = keys();
    for (const char* s : {"orders:read,admin:all", "has space", "a\\tb", "a\\u0000", "", "a;b"}) {
      std::string body =
          std::string(R"({"clientId":"c1","name":"k","scopes":["orders:read",")") + s + "\"]}";
      refused(admin("POST", "/v1/keys", body), 400, "INVALID_FIELD", "scopes", body);
    }
    CPPUNIT_ASSERT_EQUAL(before, keys());
    std::string apis = admin("GET", "/v1/apis").body;
    refused(admin("POST", "/v1/apis",
                  R"({"id":"a1","name":"A","method":"GET","path":"/a","scopes":["x,y"]})"),
            400, "INVALID_FIELD", "scopes", "API scope with a comma");
    CPPUNIT_ASSERT_EQUAL(apis, admin("GET", "/v1/apis").body);
    refused(server->client().request("POST", "/v1/keys/verify",
                                     R"({"key":"kw_x","scopes":["orders:read,admin:all"]})"),
            400, "INVALID_FIELD", "scopes", "verify scope with a comma");
    std::string apps = admin("GET", "/v1/applications").body;
    refused(admin("POST", "/v1/applications",
                  R"({"kind":"new","clientId":"c1","keyName":"k","requesterEmail":"r@example.com",
                      "scopes":["orders:read,admin:all"]})"),
            400, "INVALID_FIELD", "scopes", "application scope with a comma");
    auto idPlainPair = newKey(R"({"clientId":"c1","name":"k","scopes":["orders:read"]})");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    refused(admin("POST", "/v1/applications",
                  R"({"kind":"modify","clientId":"c1","keyId":")" + id +
                      R"(","requesterEmail":"r@example.com","changes":{"scopes":["a,b"]}})"),
            400, "INVALID_FIELD", "changes.scopes", "modify changes.scopes with a comma");
    CPPUNIT_ASSERT_EQUAL(apps, admin("GET", "/v1/applications").body);
    // Every character the docs allow is kept as sent.
    auto ok = admin("POST", "/v1/keys",
                    R"({"clientId":"c1","name":"k","scopes":["a.b_c-d/e:f","orders:*","*"]})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ok.body, 201, ok.status);
  }

  void timesAreExactlyRfc3339AndWhatIsPrintedIsAccepted() {
    makeClient();
    std::string before = keys();
    for (const char* t :
         {"2099-01-01T00:00:00+25:00", "2099-01-01T00:00:00+24:00", "2099-01-01T00:00:00-99:00",
          "9999-12-31T23:59:60Z", "2099-06-30T23:59:60Z", "2099-02-29T00:00:00Z",
          "2099-01-01T24:00:00Z", "2099-01-01 00:00:00Z", "2099-01-01T00:00:00",
          "10000-01-01T00:00:00Z", "9999-12-31T23:30:00-01:00", "2099-01-01T00:00:00.1234Z"}) {
      std::string body = std::string(R"({"clientId":"c1","name":"k","expiresAt":")") + t + "\"}";
      refused(admin("POST", "/v1/keys", body), 400, "INVALID_FIELD", "expiresAt", body);
    }
    CPPUNIT_ASSERT_EQUAL(before, keys());
    for (const char* t : {"9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59Z",
                          "2099-02-28T23:59:59.001Z", "2100-03-01T00:00:00Z"}) {
      auto r = admin("POST", "/v1/keys",
                     std::string(R"({"clientId":"c1","name":"k","expiresAt":")") + t + "\"}");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
      std::string shown = r.json()->getValue<std::string>("expiresAt");
      CPPUNIT_ASSERT_EQUAL(std::string(t), shown);
      auto again = admin("POST", "/v1/keys",
                         R"({"clientId":"c1","name":"k2","expiresAt":")" + shown + "\"}");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(again.body, 201, again.status);
      CPPUNIT_ASSERT_EQUAL(shown, again.json()->getValue<std::string>("expiresAt"));
    }
    auto off = admin("POST", "/v1/keys",
                     R"({"clientId":"c1","name":"k","expiresAt":"2099-01-01T01:30:00+23:59"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(off.body, 201, off.status);
    CPPUNIT_ASSERT_EQUAL(std::string("2098-12-31T01:31:00Z"),
                         off.json()->getValue<std::string>("expiresAt"));
  }

  void jsonDuplicatesBomTrailingTextAndDepthAreRefused() {
    makeClient();
    std::string before = keys();
    refused(admin("POST", "/v1/keys", R"({"clientId":"c1","name":"a","name":"b"})"), 400,
            "INVALID_FIELD", "name", "duplicate name");
    refused(
        admin("POST", "/v1/keys",
              R"({"clientId":"c1","name":"a","rateLimit":{"limit":1,"limit":2,"window":"1s"}})"),
        400, "INVALID_FIELD", "rateLimit.limit", "nested duplicate");
    refused(admin("POST", "/v1/clients", R"({"id":"x","id":"y","name":"n"})"), 400, "INVALID_FIELD",
            "id", "duplicate id");
    for (std::string b : {std::string("\xEF\xBB\xBF{\"clientId\":\"c1\",\"name\":\"k\"}"),
                          std::string(R"({"clientId":"c1","name":"k"}x)"),
                          std::string(R"({"clientId":"c1","name":"k"}{"a":1})"),
                          std::string(R"([{"clientId":"c1","name":"k"}])"), std::string("null"),
                          std::string("42"), std::string("\"x\""),
                          std::string(R"({"clientId":"c1","name":"k","meta":)") + repeat("[", 40) +
                              repeat("]", 40) + "}",
                          std::string(R"({"clientId":"c1","name":"k",})"),
                          std::string(R"({"clientId":"c1","name":"k","quota":01})")})
      refused(admin("POST", "/v1/keys", b), 400, "INVALID_JSON", "", b);
    CPPUNIT_ASSERT_EQUAL(before, keys());
    auto wrongType = server->client().request("POST", "/v1/keys", R"({"clientId":"c1","name":"k"})",
                                              {{"Authorization", "Bearer " + server->adminToken()}},
                                              "text/plain");
    refused(wrongType, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type", "text/plain body");
    CPPUNIT_ASSERT_EQUAL(before, keys());
  }

  void errorBodiesAreValidUtf8EvenWhenTheyQuoteBadInput() {
    makeClient();
    auto bom = admin("POST", "/v1/keys", "\xEF\xBB\xBF{}");
    CPPUNIT_ASSERT_EQUAL(400, bom.status);
    CPPUNIT_ASSERT(validUtf8(bom.body));
    auto badName = admin("POST", "/v1/keys", "{\"clientId\":\"c1\",\"n\xff\":1}");
    CPPUNIT_ASSERT_EQUAL(400, badName.status);
    CPPUNIT_ASSERT(validUtf8(badName.body));
    // A path parameter that is not UTF-8 text matches no route (the store never sees it; on
    // PostgreSQL it used to answer 500), and a raw path quoted in "no such endpoint" is made
    // safe.
    for (const char* p : {"/v1/keys/%FF%FEx", "/v1/keys/a%00b", "/v1/clients/%C0%AF",
                          "/v1/applications/%ED%A0%80", "/v1/tenants/%FF/apiKeys"}) {
      auto notFound = admin("GET", p);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(p) + " " + notFound.body, 404, notFound.status);
      CPPUNIT_ASSERT_MESSAGE(notFound.body, validUtf8(notFound.body));
    }
    // A raw 0xFF is refused before routing (Poco's parser drops it: RawHeaderCheck).
    auto ff = admin("GET", "/v1/keys/x/\xff\xfe");
    CPPUNIT_ASSERT_EQUAL(400, ff.status);
    CPPUNIT_ASSERT_MESSAGE(ff.body, validUtf8(ff.body));
    auto noRoute = admin("GET", "/v1/keys/x/\xfe\xfd");
    CPPUNIT_ASSERT_EQUAL(404, noRoute.status);
    CPPUNIT_ASSERT_MESSAGE(noRoute.body, validUtf8(noRoute.body));
    CPPUNIT_ASSERT(noRoute.json()->getObject("error")->getValue<std::string>("message").find(
                       "\xef\xbf\xbd") != std::string::npos);
    auto unknownApi = admin("POST", "/v1/keys", R"({"clientId":"c1","name":"k","apis":["%FF"]})");
    CPPUNIT_ASSERT_MESSAGE(unknownApi.body, validUtf8(unknownApi.body));
  }

  void listQueriesAreParsedStrictly() {
    makeClient();
    auto idPlainPair = newKey();
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(200, admin("POST", "/v1/keys/" + id + "/revoke").status);
    newKey();
    // The issue's example: a bad escape used to drop every filter and list all keys.
    refused(admin("GET", "/v1/keys?state=REVOKED&x=%"), 400, "UNKNOWN_FIELD", "x", "x=%");
    refused(admin("GET", "/v1/keys?state=REVOKED&clientId=%"), 400, "INVALID_FIELD", "clientId",
            "clientId=%");
    refused(admin("GET", "/v1/keys?state=REVOKED&clientId=%zz"), 400, "INVALID_FIELD", "clientId",
            "clientId=%zz");
    refused(admin("GET", "/v1/keys?state=REVOKED&state=ACTIVE"), 400, "INVALID_FIELD", "state",
            "state twice");
    refused(admin("GET", "/v1/keys?state=revoked"), 400, "INVALID_FIELD", "state", "lower case");
    refused(admin("GET", "/v1/keys?state="), 400, "INVALID_FIELD", "state", "empty state");
    refused(admin("GET", "/v1/keys?state"), 400, "INVALID_FIELD", "state", "state without =");
    refused(admin("GET", "/v1/keys?state=REVOKED%00"), 400, "INVALID_FIELD", "state", "NUL");
    refused(admin("GET", "/v1/keys?state=REVOKED&"), 400, "INVALID_FIELD", "query", "trailing &");
    refused(admin("GET", "/v1/keys?Stat=REVOKED"), 400, "UNKNOWN_FIELD", "Stat", "misspelt");
    auto revoked = admin("GET", "/v1/keys?state=REVOKED&clientId=c1");
    CPPUNIT_ASSERT_EQUAL(200, revoked.status);
    CPPUNIT_ASSERT_EQUAL(size_t(1), revoked.json()->getArray("keys")->size());
    auto escaped = admin("GET", "/v1/keys?state=%52EVOKED");
    CPPUNIT_ASSERT_EQUAL(size_t(1), escaped.json()->getArray("keys")->size());
    for (const char* list : {"/v1/applications", "/v1/clients", "/v1/apis", "/v1/groups",
                             "/v1/mail", "/v1/jobs", "/v1/tenants/default/apiKeys"}) {
      refused(admin("GET", std::string(list) + "?x=%"), 400, "UNKNOWN_FIELD", "x",
              std::string(list) + "?x=%");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(list, 200, admin("GET", list).status);
    }
    for (const char* q :
         {"/v1/applications?state=BAD", "/v1/mail?status=BAD", "/v1/jobs?status=BAD",
          "/v1/applications?state=SUBMITTED&state=ISSUED", "/v1/clients?tenant=%"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(q, 400, admin("GET", q).status);
  }

  void apiPathsThatCanNeverMatchAreRefused() {
    std::string apis = admin("GET", "/v1/apis").body;
    for (const char* p : {"/a/../b", "//a", "/a%2Fb", "/a/./b", "/a/..", "/a%20b", "/a?b", "/a#b",
                          "/a\\\\b", "/a\\tb", "/a\\u0000b", "/a/{}", "/a/{id}/{id}", "/a/*/b",
                          "/a/b*", "a/b", "/a//b", "/a;x=1/b", "/caf\\u00e9"}) {
      std::string body =
          std::string(R"({"id":"a1","name":"A","method":"GET","path":")") + p + "\"}";
      auto r = admin("POST", "/v1/apis", body);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(body + " -> " + r.body, 400, r.status);
      CPPUNIT_ASSERT_MESSAGE(r.body, validUtf8(r.body));
    }
    CPPUNIT_ASSERT_EQUAL(apis, admin("GET", "/v1/apis").body);
    for (const char* m : {"FOO", "get ", "G\\u0000ET", ""})
      CPPUNIT_ASSERT_EQUAL(
          400, admin("POST", "/v1/apis",
                     std::string(R"({"id":"a1","name":"A","method":")") + m + R"(","path":"/a"})")
                   .status);
    CPPUNIT_ASSERT_EQUAL(apis, admin("GET", "/v1/apis").body);
    auto ok = admin("POST", "/v1/apis",
                    R"({"id":"a1","name":"A","method":"GET","path":"/orders/{id}/items/*"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ok.body, 201, ok.status);
    refused(admin("PATCH", "/v1/apis/a1", R"({"path":"/a/../b"})"), 400, "INVALID_FIELD", "path",
            "PATCH path");
    CPPUNIT_ASSERT_EQUAL(std::string("/orders/{id}/items/*"),
                         admin("GET", "/v1/apis/a1").json()->getValue<std::string>("path"));
  }

  void fixedPathsAnswer405WithAllowNot404() {
    makeClient();
    auto idPlainPair = newKey();
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    struct Case {
      std::string method, path, allow;
    } cases[] = {
        {"GET", "/v1/keys/verify", "POST"},
        {"DELETE", "/v1/keys/verify", "POST"},
        {"GET", "/v1/keys/" + id + "/rotate", "POST"},
        {"GET", "/v1/keys/" + id + "/revoke", "POST"},
        {"GET", "/v1/applications/x/decisions", "POST"},
        {"GET", "/v1/applications/x/withdraw", "POST"},
        {"DELETE", "/v1/keys", "POST, GET"},
        {"PUT", "/v1/clients/c1", "GET, PATCH, DELETE"},
    };
    for (const auto& c : cases) {
      auto r = admin(c.method, c.path);
      refused(r, 405, "METHOD_NOT_ALLOWED", "", c.method + " " + c.path);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(c.method + " " + c.path, c.allow, r.header("Allow"));
    }
    // A key whose id happens to be a word still answers as a key.
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/keys/rotate").status);
    CPPUNIT_ASSERT_EQUAL(200, admin("GET", "/v1/keys/" + id).status);
  }

  void cliTokenEmailIsChecked() {
    std::string out;
    for (const char* e : {"'ops x@example.com'", "'ops@example.com,b@example.com'",
                          "'<ops@example.com>'", "ops", "'ops@'", "'ops@example..com'",
                          "'(x)ops@example.com'", "'ops@[127.0.0.1]'", "'.ops@example.com'"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(e, 2,
                                   server->runCli(std::string("token create --role requester "
                                                              "--email ") +
                                                      e,
                                                  out));
    CPPUNIT_ASSERT_EQUAL(
        0, server->runCli("token create --role requester --email ops@example.com", out));
  }

  void metaComesBackExactlyAsSent() {
    makeClient();
    std::string meta = R"({"s":"\u9577 \u2028 tab\t nl\n \u001f \"q\" \\ / \ud83d\ude00","n":-5,)"
                       R"("big":9223372036854775807,"f":1.5,"deep":{"a":[1,{"b":null}],"t":true}})";
    auto r = admin("POST", "/v1/keys", R"({"clientId":"c1","name":"k","meta":)" + meta + "}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    std::string id = r.json()->getValue<std::string>("id");
    auto got = admin("GET", "/v1/keys/" + id);
    CPPUNIT_ASSERT(validUtf8(got.body));
    auto m = got.json()->getObject("meta");
    CPPUNIT_ASSERT_EQUAL(std::string("\xe9\x95\xb7 \xe2\x80\xa8 tab\t nl\n \x1f \"q\" \\ / "
                                     "\xf0\x9f\x98\x80"),
                         m->getValue<std::string>("s"));
    CPPUNIT_ASSERT_EQUAL(Poco::Int64(-5), m->getValue<Poco::Int64>("n"));
    CPPUNIT_ASSERT_EQUAL(Poco::Int64(9223372036854775807LL), m->getValue<Poco::Int64>("big"));
    CPPUNIT_ASSERT_EQUAL(1.5, m->getValue<double>("f"));
    CPPUNIT_ASSERT(m->getObject("deep")->getValue<bool>("t"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(InputValidationTest);
