#include <Poco/JSON/Array.h>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

// Routing judges what the key would hold or be granted, with the shipped workflows/*.json
// (`write-access` takes `*:write` at priority 10, `default` everything else).
class ShippedFlowRoutingTest : public Fixture {
  CPPUNIT_TEST_SUITE(ShippedFlowRoutingTest);
  CPPUNIT_TEST(everythingThatHoldsOrdersWriteRoutesToWriteAccess);
  CPPUNIT_TEST(readOnlyRoutesToDefault);
  CPPUNIT_TEST(modifyIsRoutedOnTheKeyAfterTheChange);
  CPPUNIT_TEST(wildcardKeyIsIssuedOnlyAfterLeadAndBothSecurityOfficers);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    Fixture::setUp();
    CPPUNIT_ASSERT_EQUAL(
        201,
        admin("POST", "/v1/clients",
              R"({"id":"web","name":"Web","clientType":"web","contactEmail":"req@example.com"})")
            .status);
    CPPUNIT_ASSERT_EQUAL(201, admin("POST", "/v1/apis",
                                    R"({"id":"orders-write","name":"Place orders","method":"POST",
                                        "path":"/orders","scopes":["orders:write"]})")
                                  .status);
    CPPUNIT_ASSERT_EQUAL(201, admin("POST", "/v1/apis",
                                    R"({"id":"orders-read","name":"Read orders","method":"GET",
                                        "path":"/orders","scopes":["orders:read"]})")
                                  .status);
    CPPUNIT_ASSERT_EQUAL(201,
                         admin("POST", "/v1/groups",
                               R"({"id":"ordering","name":"Ordering","apis":["orders-write"]})")
                             .status);
    CPPUNIT_ASSERT_EQUAL(201, admin("POST", "/v1/groups",
                                    R"({"id":"reading","name":"Reading","apis":["orders-read"]})")
                                  .status);
    requester = token("--role requester --email req@example.com");
  }

  Poco::JSON::Object::Ptr submit(const std::string& grants) {
    HttpResponse r = as(requester, "POST", "/v1/applications",
                        R"({"kind":"new","clientId":"web","keyName":"k")" + grants + "}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(grants + " -> " + r.body, 201, r.status);
    return r.json();
  }
  std::string flowOf(const std::string& grants) {
    return submit(grants)->getValue<std::string>("flow");
  }

  void everythingThatHoldsOrdersWriteRoutesToWriteAccess() {
    for (const char* grants : {
             R"(,"scopes":["orders:write"])",
             R"(,"scopes":["orders:*"])",  // the field report
             R"(,"scopes":["*"])", R"(,"scopes":["orders:read","ord*"])",
             R"(,"apis":["orders-write"])",  // an API guarded by orders:write
             R"(,"groups":["ordering"])",    // a group holding that API
             R"(,"scopes":["orders:read"],"groups":["reading","ordering"])",
             "",  // no scopes, APIs or groups: unrestricted
         }) {
      auto a = submit(grants);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(grants, std::string("write-access"),
                                   a->getValue<std::string>("flow"));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(grants, 2, a->getValue<int>("levelCount"));
    }
  }

  void readOnlyRoutesToDefault() {
    for (const char* grants : {R"(,"scopes":["orders:read"])", R"(,"apis":["orders-read"])",
                               R"(,"groups":["reading"])", R"(,"scopes":["orders:writer"])"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(grants, std::string("default"), flowOf(grants));
  }

  void modifyIsRoutedOnTheKeyAfterTheChange() {
    HttpResponse k =
        admin("POST", "/v1/keys", R"({"clientId":"web","name":"reader","scopes":["orders:read"]})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(k.body, 201, k.status);
    std::string keyId = k.json()->getValue<std::string>("id");
    auto modify = [&](const std::string& changes) {
      HttpResponse r = as(requester, "POST", "/v1/applications",
                          R"({"kind":"modify","clientId":"web","keyId":")" + keyId +
                              R"(","changes":)" + changes + "}");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(changes + " -> " + r.body, 201, r.status);
      return r.json()->getValue<std::string>("flow");
    };
    CPPUNIT_ASSERT_EQUAL(std::string("default"), modify(R"({"quota":10})"));
    CPPUNIT_ASSERT_EQUAL(std::string("write-access"), modify(R"({"scopes":["orders:*"]})"));
    CPPUNIT_ASSERT_EQUAL(std::string("write-access"), modify(R"({"apis":["orders-write"]})"));
    CPPUNIT_ASSERT_EQUAL(std::string("write-access"), modify(R"({"groups":["ordering"]})"));
    // Taking every grant away leaves an unrestricted key.
    CPPUNIT_ASSERT_EQUAL(std::string("write-access"), modify(R"({"scopes":[]})"));
  }

  void wildcardKeyIsIssuedOnlyAfterLeadAndBothSecurityOfficers() {
    // The field report: an `orders:*` key (which verifies orders:write) went through one owner.
    auto a = submit(R"(,"scopes":["orders:*"])");
    std::string id = a->getValue<std::string>("id");
    auto decide = [&](const char* who) {
      HttpResponse r = admin("POST", "/v1/applications/" + id + "/decisions",
                             R"({"decision":"approve","approver":")" + std::string(who) + "\"}");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
      return r.json();
    };
    CPPUNIT_ASSERT_EQUAL(403, admin("POST", "/v1/applications/" + id + "/decisions",
                                    R"({"decision":"approve","approver":"owner@example.com"})")
                                  .status);  // the default flow's owners are not asked
    auto lead = decide("lead@example.com");
    CPPUNIT_ASSERT_EQUAL(2, lead->getValue<int>("level"));
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"),
                         decide("sec1@example.com")->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("ISSUED"),
                         decide("sec2@example.com")->getValue<std::string>("state"));
  }

  std::string requester;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ShippedFlowRoutingTest);
