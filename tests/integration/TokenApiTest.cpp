#include <Poco/JSON/Array.h>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

// POST/GET/DELETE /v1/tokens against the real server (contract §8, issue 15).
class TokenApiTest : public Fixture {
  CPPUNIT_TEST_SUITE(TokenApiTest);
  CPPUNIT_TEST(createdTokenIsShownOnceWorksAndIsRefusedOnceRevoked);
  CPPUNIT_TEST(tenantAdminMintsListsAndRevokesOnlyInItsTenant);
  CPPUNIT_TEST(badTokenInputNamesTheFieldAndNonAdminsAreRefused);
  CPPUNIT_TEST_SUITE_END();

 public:
  static bool listed(const HttpResponse& r, const std::string& id) {
    auto tokens = r.json()->getArray("tokens");
    for (size_t i = 0; i < tokens->size(); ++i)
      if (tokens->getObject(i)->getValue<std::string>("id") == id) return true;
    return false;
  }

  void createdTokenIsShownOnceWorksAndIsRefusedOnceRevoked() {
    HttpResponse c = admin("POST", "/v1/tokens", R"({"role":"admin","name":"ops"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 201, c.status);
    auto j = c.json();
    std::string id = j->getValue<std::string>("id"), tok = j->getValue<std::string>("token");
    CPPUNIT_ASSERT(tok.rfind("kwt_", 0) == 0);
    CPPUNIT_ASSERT_EQUAL(std::string("admin"), j->getValue<std::string>("role"));
    CPPUNIT_ASSERT(j->isNull("tenant"));
    CPPUNIT_ASSERT_EQUAL(200, as(tok, "GET", "/v1/keys").status);
    HttpResponse l = admin("GET", "/v1/tokens");
    CPPUNIT_ASSERT_EQUAL(200, l.status);
    CPPUNIT_ASSERT(listed(l, id));
    CPPUNIT_ASSERT(l.body.find(tok.substr(4)) == std::string::npos);  // never the token
    CPPUNIT_ASSERT(l.body.find("digest") == std::string::npos);       // nor its digest
    CPPUNIT_ASSERT(admin("GET", "/v1/tokens/" + id).status != 200);   // no single-token read
    HttpResponse d = admin("DELETE", "/v1/tokens/" + id);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(d.body, 200, d.status);
    CPPUNIT_ASSERT(!d.json()->getValue<bool>("active"));
    CPPUNIT_ASSERT(!d.json()->isNull("revokedAt"));
    CPPUNIT_ASSERT_EQUAL(401, as(tok, "GET", "/v1/keys").status);           // the very next call
    CPPUNIT_ASSERT_EQUAL(404, admin("DELETE", "/v1/tokens/" + id).status);  // revoked already
    CPPUNIT_ASSERT_EQUAL(404, admin("DELETE", "/v1/tokens/tok_ghost").status);
    // A token minted over HTTP can revoke itself; then it is refused too.
    HttpResponse g = admin("POST", "/v1/tokens",
                           R"({"role":"requester","email":"dev@example.com","name":"dev"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(g.body, 201, g.status);
    CPPUNIT_ASSERT_EQUAL(std::string("dev@example.com"), g.json()->getValue<std::string>("email"));
  }

  void tenantAdminMintsListsAndRevokesOnlyInItsTenant() {
    std::string t1 = token("--role admin --tenant t1 --name t1-admin");
    HttpResponse other =
        as(t1, "POST", "/v1/tokens", R"({"role":"admin","tenant":"t2","name":"x"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(other.body, 403, other.status);
    HttpResponse otherGw =
        as(t1, "POST", "/v1/tokens", R"({"role":"gateway","tenant":"t2","name":"x"})");
    CPPUNIT_ASSERT_EQUAL(403, otherGw.status);
    HttpResponse own = as(t1, "POST", "/v1/tokens", R"({"role":"admin","name":"t1-second"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(own.body, 201, own.status);
    CPPUNIT_ASSERT_EQUAL(std::string("t1"), own.json()->getValue<std::string>("tenant"));
    std::string ownId = own.json()->getValue<std::string>("id");
    HttpResponse global = admin("POST", "/v1/tokens", R"({"role":"gateway","name":"gw"})");
    std::string globalId = global.json()->getValue<std::string>("id");
    HttpResponse l = as(t1, "GET", "/v1/tokens");
    CPPUNIT_ASSERT(listed(l, ownId));
    CPPUNIT_ASSERT(!listed(l, globalId));
    auto tokens = l.json()->getArray("tokens");
    for (size_t i = 0; i < tokens->size(); ++i)
      CPPUNIT_ASSERT_EQUAL(std::string("t1"),
                           tokens->getObject(i)->getValue<std::string>("tenant"));
    CPPUNIT_ASSERT_EQUAL(404, as(t1, "DELETE", "/v1/tokens/" + globalId).status);
    CPPUNIT_ASSERT(listed(admin("GET", "/v1/tokens"), globalId));
    CPPUNIT_ASSERT_EQUAL(200, as(t1, "DELETE", "/v1/tokens/" + ownId).status);
    CPPUNIT_ASSERT(listed(admin("GET", "/v1/tokens"), ownId));  // listed, revoked
  }

  void badTokenInputNamesTheFieldAndNonAdminsAreRefused() {
    auto field = [&](const std::string& body) {
      HttpResponse r = admin("POST", "/v1/tokens", body);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(body + " -> " + r.body, 400, r.status);
      return r.json()->getObject("error")->getValue<std::string>("field");
    };
    CPPUNIT_ASSERT_EQUAL(std::string("role"), field(R"({"name":"x"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("role"), field(R"({"role":"root","name":"x"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("role"), field(R"({"role":5,"name":"x"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("name"), field(R"({"role":"admin"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("email"), field(R"({"role":"requester","name":"x"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("email"),
                         field(R"({"role":"approver","name":"x","email":"not-an-address"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("tenant"),
                         field(R"({"role":"admin","name":"x","tenant":"Bad Tenant!"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("secret"),
                         field(R"({"role":"admin","name":"x","secret":"mine"})"));
    size_t before = admin("GET", "/v1/tokens").json()->getArray("tokens")->size();
    std::string req = token("--role requester --email dev@example.com --name dev");
    CPPUNIT_ASSERT_EQUAL(403,
                         as(req, "POST", "/v1/tokens", R"({"role":"admin","name":"x"})").status);
    CPPUNIT_ASSERT_EQUAL(403, as(req, "GET", "/v1/tokens").status);
    CPPUNIT_ASSERT_EQUAL(401, as("", "GET", "/v1/tokens").status);
    CPPUNIT_ASSERT_EQUAL(before + 1,  // the requester token; nothing the refusals made
                         admin("GET", "/v1/tokens").json()->getArray("tokens")->size());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TokenApiTest);
