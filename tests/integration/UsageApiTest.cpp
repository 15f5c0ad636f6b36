#include <Poco/JSON/Array.h>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

// GET /v1/keys/{id}/usage and /v1/clients/{id}/usage against the real server (issue 15).
class UsageApiTest : public Fixture {
  CPPUNIT_TEST_SUITE(UsageApiTest);
  CPPUNIT_TEST(checksShowUpInTheBucketsAfterAFlush);
  CPPUNIT_TEST(defaultRangeIsTheLastDayInHours);
  CPPUNIT_TEST(tenantAdminSeesOnlyItsTenantsUsage);
  CPPUNIT_TEST(badParametersAreRefusedNamingTheField);
  CPPUNIT_TEST_SUITE_END();

 public:
  // Sums every bucket's count of `code`.
  static int total(const HttpResponse& r, const std::string& code) {
    int n = 0;
    auto buckets = r.json()->getArray("buckets");
    for (size_t i = 0; i < buckets->size(); ++i) {
      auto counts = buckets->getObject(i)->getObject("counts");
      if (counts->has(code)) n += counts->getValue<int>(code);
    }
    return n;
  }

  void checksShowUpInTheBucketsAfterAFlush() {
    auto first = newKey(R"({"clientId":"c1","name":"k","scopes":["orders:read"]})");
    auto second = newKey(R"({"clientId":"c1","name":"k2"})");
    const std::string &id = first.first, &key = first.second;
    const std::string &id2 = second.first, &key2 = second.second;
    for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), verify(key, R"(,"scopes":["billing:write"])"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key2));
    admin("POST", "/v1/keys/" + id2 + "/disable");
    CPPUNIT_ASSERT_EQUAL(std::string("DISABLED"), verify(key2));
    const std::string q = "/usage?granularity=minute";
    CPPUNIT_ASSERT(eventually([&] {
      HttpResponse r = admin("GET", "/v1/keys/" + id + q);
      return r.status == 200 && total(r, "VALID") == 3 && total(r, "FORBIDDEN") == 1;
    }));
    HttpResponse r = admin("GET", "/v1/keys/" + id + q);
    auto j = r.json();
    CPPUNIT_ASSERT_EQUAL(std::string("minute"), j->getValue<std::string>("granularity"));
    auto buckets = j->getArray("buckets");
    // The last day, one bucket a minute, zero-filled: 1440 or 1441 (from rounded down).
    CPPUNIT_ASSERT(buckets->size() >= 1440 && buckets->size() <= 1441);
    CPPUNIT_ASSERT(!buckets->getObject(0)->getValue<std::string>("start").empty());
    CPPUNIT_ASSERT_EQUAL(size_t(0), buckets->getObject(0)->getObject("counts")->size());
    // The client's series sums its keys.
    CPPUNIT_ASSERT(eventually([&] {
      HttpResponse c = admin("GET", "/v1/clients/c1" + q);
      return c.status == 200 && total(c, "VALID") == 4 && total(c, "FORBIDDEN") == 1 &&
             total(c, "DISABLED") == 1;
    }));
    HttpResponse other = admin("GET", "/v1/keys/" + id2 + "/usage?granularity=day");
    CPPUNIT_ASSERT_EQUAL(1, total(other, "VALID"));
    CPPUNIT_ASSERT_EQUAL(0, total(other, "FORBIDDEN"));
    // An explicit range: the buckets it names, nothing outside.
    HttpResponse old =
        admin("GET", "/v1/keys/" + id + "/usage?from=2020-01-01T00:00:00Z&to=2020-01-01T03:00:00Z");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(old.body, 200, old.status);
    CPPUNIT_ASSERT_EQUAL(std::string("minute"), old.json()->getValue<std::string>("granularity"));
    CPPUNIT_ASSERT_EQUAL(size_t(180), old.json()->getArray("buckets")->size());
    CPPUNIT_ASSERT_EQUAL(0, total(old, "VALID"));
  }

  void defaultRangeIsTheLastDayInHours() {
    const std::string id = newKey().first;
    HttpResponse r = admin("GET", "/v1/keys/" + id + "/usage");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("hour"), r.json()->getValue<std::string>("granularity"));
    size_t n = r.json()->getArray("buckets")->size();
    CPPUNIT_ASSERT_MESSAGE(std::to_string(n), n == 24 || n == 25);
  }

  void tenantAdminSeesOnlyItsTenantsUsage() {
    const std::string id = newKey().first;  // tenant default
    std::string t1 = token("--role admin --tenant t1 --name t1-admin");
    HttpResponse c =
        as(t1, "POST", "/v1/clients", R"({"id":"c-t1","name":"T1","clientType":"web"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 201, c.status);
    HttpResponse k = as(t1, "POST", "/v1/keys", R"({"clientId":"c-t1","name":"mine"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(k.body, 201, k.status);
    std::string mine = k.json()->getValue<std::string>("id");
    CPPUNIT_ASSERT_EQUAL(404, as(t1, "GET", "/v1/keys/" + id + "/usage").status);
    CPPUNIT_ASSERT_EQUAL(404, as(t1, "GET", "/v1/clients/c1/usage").status);
    CPPUNIT_ASSERT_EQUAL(200, as(t1, "GET", "/v1/keys/" + mine + "/usage").status);
    CPPUNIT_ASSERT_EQUAL(200, as(t1, "GET", "/v1/clients/c-t1/usage").status);
    CPPUNIT_ASSERT_EQUAL(200, admin("GET", "/v1/keys/" + mine + "/usage").status);
    std::string gw = token("--role gateway --name gw");
    CPPUNIT_ASSERT_EQUAL(403, as(gw, "GET", "/v1/keys/" + id + "/usage").status);
    CPPUNIT_ASSERT_EQUAL(401, as("", "GET", "/v1/keys/" + id + "/usage").status);
  }

  void badParametersAreRefusedNamingTheField() {
    const std::string id = newKey().first;
    auto refused = [&](const std::string& query) {
      HttpResponse r = admin("GET", "/v1/keys/" + id + "/usage?" + query);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(query + " -> " + r.body, 422, r.status);
      return r.json()->getObject("error")->getValue<std::string>("field");
    };
    CPPUNIT_ASSERT_EQUAL(std::string("from"), refused("from=yesterday"));
    CPPUNIT_ASSERT_EQUAL(std::string("to"), refused("to=2026-13-01T00:00:00Z"));
    CPPUNIT_ASSERT_EQUAL(std::string("granularity"), refused("granularity=week"));
    CPPUNIT_ASSERT_EQUAL(std::string("granularity"), refused("granularity=HOUR"));
    CPPUNIT_ASSERT_EQUAL(std::string("to"),
                         refused("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"));
    CPPUNIT_ASSERT_EQUAL(std::string("to"),
                         refused("from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("from"),
        refused("from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z&granularity=minute"));
    CPPUNIT_ASSERT_EQUAL(std::string("from"),
                         refused("from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"));
    HttpResponse unknown = admin("GET", "/v1/keys/" + id + "/usage?granularty=hour");
    CPPUNIT_ASSERT_EQUAL(400, unknown.status);
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/keys/ghost/usage").status);
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/clients/ghost/usage").status);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UsageApiTest);
