#include <Poco/JSON/Array.h>

#include <thread>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

class KeyApiTest : public Fixture {
  CPPUNIT_TEST_SUITE(KeyApiTest);
  CPPUNIT_TEST(issuedKeyIsShownOnceAndVerifies);
  CPPUNIT_TEST(badKeyInputNamesTheField);
  CPPUNIT_TEST(disableEnableRevokeFollowTheStateRules);
  CPPUNIT_TEST(plannedRevocationTakesEffectAtItsTime);
  CPPUNIT_TEST(rotationKeepsTheOldKeyForTheGracePeriod);
  CPPUNIT_TEST(rotationCarriesTheRemainingQuota);
  CPPUNIT_TEST(listFiltersByClientAndState);
  CPPUNIT_TEST(scheduledKeyIsNotYetActiveAndExpiredKeyIsExpired);
  CPPUNIT_TEST(tenantEndpointsListCreateGetDelete);
  CPPUNIT_TEST_SUITE_END();

 public:
  void issuedKeyIsShownOnceAndVerifies() {
    HttpResponse r = issue(
        R"({"clientId":"c1","name":"orders","scopes":["orders:read"],"quota":10,"meta":{"team":"a"},
                            "expiresAt":"2099-01-01T00:00:00Z"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    auto j = r.json();
    std::string key = j->getValue<std::string>("key"), id = j->getValue<std::string>("id");
    CPPUNIT_ASSERT(key.rfind("kw_", 0) == 0);
    CPPUNIT_ASSERT_EQUAL(key.substr(0, 7), j->getValue<std::string>("start"));
    CPPUNIT_ASSERT_EQUAL(std::string("ACTIVE"), j->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("2099-01-01T00:00:00Z"),
                         j->getValue<std::string>("expiresAt"));
    HttpResponse g = admin("GET", "/v1/keys/" + id);
    CPPUNIT_ASSERT_EQUAL(200, g.status);
    CPPUNIT_ASSERT(g.body.find(key.substr(7)) == std::string::npos);
    CPPUNIT_ASSERT(!g.json()->has("key"));
    CPPUNIT_ASSERT(!g.json()->has("digest"));
    HttpResponse v = server->client().request(
        "POST", "/v1/keys/verify", R"({"key":")" + key + R"(","scopes":["orders:read"]})");
    auto vj = v.json();
    CPPUNIT_ASSERT(vj->getValue<bool>("valid"));
    CPPUNIT_ASSERT_EQUAL(std::string("c1"), vj->getValue<std::string>("clientId"));
    CPPUNIT_ASSERT_EQUAL(std::string("web"), vj->getValue<std::string>("clientType"));
    CPPUNIT_ASSERT_EQUAL(9, vj->getValue<int>("remaining"));
    CPPUNIT_ASSERT_EQUAL(std::string("a"), vj->getObject("meta")->getValue<std::string>("team"));
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), verify(key, R"(,"cost":10)"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key, R"(,"cost":9)"));
    CPPUNIT_ASSERT(eventually([&] {
      auto usage = admin("GET", "/v1/keys/" + id).json()->getObject("usage");
      return usage->getValue<int>("valid") == 2 && usage->getValue<int>("rejected") == 1;
    }));
    auto after = admin("GET", "/v1/keys/" + id).json();
    CPPUNIT_ASSERT_EQUAL(0, after->getValue<int>("remaining"));
    CPPUNIT_ASSERT_EQUAL(2, after->getObject("usage")->getValue<int>("valid"));
    CPPUNIT_ASSERT_EQUAL(1, after->getObject("usage")->getValue<int>("rejected"));
    CPPUNIT_ASSERT(!after->isNull("lastUsedAt"));
  }

  void badKeyInputNamesTheField() {
    admin("POST", "/v1/apis", R"({"id":"a1","name":"A","path":"/a"})");
    auto field = [&](const std::string& body) {
      HttpResponse r = issue(body);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(body + " -> " + r.body, 400, r.status);
      return r.json()->getObject("error")->getValue<std::string>("field");
    };
    CPPUNIT_ASSERT_EQUAL(std::string("clientId"), field(R"({"clientId":"ghost","name":"k"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("clientId"), field(R"({"name":"k"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("apis"),
                         field(R"({"clientId":"c1","name":"k","apis":["ghost"]})"));
    CPPUNIT_ASSERT_EQUAL(std::string("groups"),
                         field(R"({"clientId":"c1","name":"k","groups":["ghost"]})"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("expiresAt"),
        field(R"({"clientId":"c1","name":"k","expiresAt":"2001-01-01T00:00:00Z"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("expiresAt"),
                         field(R"({"clientId":"c1","name":"k","expiresAt":"next week"})"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("effectiveAt"),
        field(
            R"({"clientId":"c1","name":"k","effectiveAt":"2099-02-01T00:00:00Z","expiresAt":"2099-01-01T00:00:00Z"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("quota"), field(R"({"clientId":"c1","name":"k","quota":-2})"));
    CPPUNIT_ASSERT_EQUAL(std::string("quota"),
                         field(R"({"clientId":"c1","name":"k","quota":"5"})"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("refill.interval"),
        field(
            R"({"clientId":"c1","name":"k","quota":5,"refill":{"amount":5,"interval":"hourly"}})"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("rateLimit.window"),
        field(R"({"clientId":"c1","name":"k","rateLimit":{"limit":5,"window":"soon"}})"));
    CPPUNIT_ASSERT_EQUAL(std::string("meta"), field(R"({"clientId":"c1","name":"k","meta":[1]})"));
    CPPUNIT_ASSERT_EQUAL(std::string("scopes"),
                         field(R"({"clientId":"c1","name":"k","scopes":"orders:read"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("nmae"), field(R"({"clientId":"c1","nmae":"k"})"));
    CPPUNIT_ASSERT_EQUAL(size_t(0), admin("GET", "/v1/keys").json()->getArray("keys")->size());
    admin("PATCH", "/v1/clients/c1", R"({"active":false})");
    HttpResponse inactive = issue(R"({"clientId":"c1","name":"k"})");
    CPPUNIT_ASSERT_EQUAL(422, inactive.status);
    CPPUNIT_ASSERT_EQUAL(std::string("CLIENT_INACTIVE"), inactive.errorCode());
    HttpResponse verifyBad = server->client().request("POST", "/v1/keys/verify", R"({"key":5})");
    CPPUNIT_ASSERT_EQUAL(400, verifyBad.status);
    CPPUNIT_ASSERT_EQUAL(std::string("MALFORMED"), verify("not-a-key"));
  }

  void disableEnableRevokeFollowTheStateRules() {
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    HttpResponse d = admin("POST", "/v1/keys/" + id + "/disable", R"({"reason":"suspicious"})");
    CPPUNIT_ASSERT_EQUAL(std::string("DISABLED"), d.json()->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("DISABLED"), verify(key));
    CPPUNIT_ASSERT_EQUAL(409, admin("POST", "/v1/keys/" + id + "/disable").status);
    HttpResponse e = admin("POST", "/v1/keys/" + id + "/enable");
    CPPUNIT_ASSERT_EQUAL(std::string("ACTIVE"), e.json()->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    HttpResponse r = admin("POST", "/v1/keys/" + id + "/revoke", R"({"reason":"leaked"})");
    CPPUNIT_ASSERT_EQUAL(std::string("REVOKED"), r.json()->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("REVOKED"), verify(key));
    HttpResponse again = admin("POST", "/v1/keys/" + id + "/revoke", R"({"reason":"again"})");
    CPPUNIT_ASSERT_EQUAL(409, again.status);
    CPPUNIT_ASSERT(again.body.find("REVOKED") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(409, admin("POST", "/v1/keys/" + id + "/enable").status);
    CPPUNIT_ASSERT_EQUAL(
        409, admin("POST", "/v1/keys/" + id + "/rotate", R"({"graceSeconds":0})").status);
    CPPUNIT_ASSERT_EQUAL(400, admin("POST", "/v1/keys/" + id + "/enable", R"({"x":1})").status);
  }

  void plannedRevocationTakesEffectAtItsTime() {
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    time_t at = time(nullptr) + 2;
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&at));
    HttpResponse r = admin("POST", "/v1/keys/" + id + "/revoke",
                           std::string(R"({"reason":"planned","at":")") + buf + "\"}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("ACTIVE"), r.json()->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(std::string(buf), r.json()->getValue<std::string>("revokeAt"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    CPPUNIT_ASSERT(eventually([&] { return verify(key) == "REVOKED"; }));
    CPPUNIT_ASSERT(epochMs() >= at * 1000LL);  // not before its time
    CPPUNIT_ASSERT_EQUAL(std::string("REVOKED"),
                         admin("GET", "/v1/keys/" + id).json()->getValue<std::string>("state"));
  }

  void rotationKeepsTheOldKeyForTheGracePeriod() {
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","scopes":["a:read"]})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    HttpResponse r = admin("POST", "/v1/keys/" + id + "/rotate", R"({"graceSeconds":2})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    auto j = r.json();
    std::string newKey = j->getValue<std::string>("key");
    CPPUNIT_ASSERT(newKey != key);
    CPPUNIT_ASSERT_EQUAL(id, j->getValue<std::string>("rotatedFrom"));
    CPPUNIT_ASSERT_EQUAL(std::string("a:read"), j->getArray("scopes")->getElement<std::string>(0));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(newKey));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    auto old = admin("GET", "/v1/keys/" + id).json();
    CPPUNIT_ASSERT_EQUAL(j->getValue<std::string>("id"), old->getValue<std::string>("rotatedTo"));
    CPPUNIT_ASSERT(eventually([&] { return verify(key) == "REVOKED"; }));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(newKey));
    HttpResponse bad = admin("POST", "/v1/keys/" + j->getValue<std::string>("id") + "/rotate",
                             R"({"graceSeconds":-1})");
    CPPUNIT_ASSERT_EQUAL(400, bad.status);
  }

  void rotationCarriesTheRemainingQuota() {
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","quota":5})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    for (int i = 0; i < 2; ++i) CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    HttpResponse r = admin("POST", "/v1/keys/" + id + "/rotate", R"({"graceSeconds":60})");
    CPPUNIT_ASSERT_EQUAL(3, r.json()->getValue<int>("remaining"));
    std::string fresh = r.json()->getValue<std::string>("key");
    // Old and new key draw from one quota during the grace period: 3 calls in all, not 6.
    int valid = 0;
    for (int i = 0; i < 4; ++i) {
      valid += verify(key) == "VALID" ? 1 : 0;
      valid += verify(fresh) == "VALID" ? 1 : 0;
    }
    CPPUNIT_ASSERT_EQUAL(3, valid);
  }

  void listFiltersByClientAndState() {
    admin("POST", "/v1/clients", R"({"id":"c2","name":"Two"})");
    auto aKaPair = newKey();
    [[maybe_unused]] auto& a = aKaPair.first;
    [[maybe_unused]] auto& ka = aKaPair.second;
    auto bKbPair = newKey(R"({"clientId":"c2","name":"k2"})");
    [[maybe_unused]] auto& b = bKbPair.first;
    [[maybe_unused]] auto& kb = bKbPair.second;
    admin("POST", "/v1/keys/" + b + "/disable");
    CPPUNIT_ASSERT_EQUAL(size_t(2), admin("GET", "/v1/keys").json()->getArray("keys")->size());
    auto byClient = admin("GET", "/v1/keys?clientId=c2").json()->getArray("keys");
    CPPUNIT_ASSERT_EQUAL(size_t(1), byClient->size());
    CPPUNIT_ASSERT_EQUAL(b, byClient->getObject(0)->getValue<std::string>("id"));
    auto active = admin("GET", "/v1/keys?state=ACTIVE").json()->getArray("keys");
    CPPUNIT_ASSERT_EQUAL(size_t(1), active->size());
    CPPUNIT_ASSERT_EQUAL(a, active->getObject(0)->getValue<std::string>("id"));
    CPPUNIT_ASSERT_EQUAL(400, admin("GET", "/v1/keys?state=SLEEPING").status);
  }

  void scheduledKeyIsNotYetActiveAndExpiredKeyIsExpired() {
    time_t soon = time(nullptr) + 2;
    char eff[32], exp[32];
    strftime(eff, sizeof eff, "%Y-%m-%dT%H:%M:%SZ", gmtime(&soon));
    time_t later = soon + 2;
    strftime(exp, sizeof exp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
    HttpResponse r = issue(std::string(R"({"clientId":"c1","name":"k","effectiveAt":")") + eff +
                           R"(","expiresAt":")" + exp + "\"}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("SCHEDULED"), r.json()->getValue<std::string>("state"));
    std::string key = r.json()->getValue<std::string>("key");
    CPPUNIT_ASSERT_EQUAL(std::string("NOT_YET_ACTIVE"), verify(key));
    CPPUNIT_ASSERT(eventually([&] { return verify(key) == "VALID"; }));
    CPPUNIT_ASSERT(epochMs() >= soon * 1000LL);  // not before its effective date
    CPPUNIT_ASSERT(eventually([&] { return verify(key) == "EXPIRED"; }));
    CPPUNIT_ASSERT(epochMs() >= later * 1000LL);
  }

  void tenantEndpointsListCreateGetDelete() {
    HttpResponse c = admin("POST", "/v1/tenants/acme/apiKeys", R"({"name":"ingest"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 201, c.status);
    auto j = c.json();
    std::string id = j->getValue<std::string>("id"), key = j->getValue<std::string>("key");
    CPPUNIT_ASSERT_EQUAL(std::string("ingest"), j->getValue<std::string>("name"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    auto list = admin("GET", "/v1/tenants/acme/apiKeys").json()->getArray("keys");
    CPPUNIT_ASSERT_EQUAL(size_t(1), list->size());
    CPPUNIT_ASSERT_EQUAL(id, list->getObject(0)->getValue<std::string>("id"));
    CPPUNIT_ASSERT_EQUAL(
        size_t(0), admin("GET", "/v1/tenants/globex/apiKeys").json()->getArray("keys")->size());
    HttpResponse g = admin("GET", "/v1/tenants/acme/apiKeys/" + id);
    CPPUNIT_ASSERT_EQUAL(200, g.status);
    CPPUNIT_ASSERT(!g.json()->has("key"));
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/tenants/globex/apiKeys/" + id).status);
    HttpResponse d = admin("DELETE", "/v1/tenants/acme/apiKeys/" + id);
    CPPUNIT_ASSERT_EQUAL(200, d.status);
    CPPUNIT_ASSERT(d.json()->has("message"));
    CPPUNIT_ASSERT_EQUAL(std::string("REVOKED"), verify(key));
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/tenants/acme/apiKeys/" + id).status);
    CPPUNIT_ASSERT_EQUAL(404, admin("DELETE", "/v1/tenants/acme/apiKeys/" + id).status);
    CPPUNIT_ASSERT_EQUAL(400, admin("POST", "/v1/tenants/acme/apiKeys", R"({"nam":"x"})").status);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(KeyApiTest);
