#include "tests/integration/Fixture.h"

using namespace keywarden::test;

class CatalogApiTest : public Fixture {
  CPPUNIT_TEST_SUITE(CatalogApiTest);
  CPPUNIT_TEST(clientsCreateReadPatchListDelete);
  CPPUNIT_TEST(duplicateIdIsConflictAndUnknownIdIsNotFound);
  CPPUNIT_TEST(apisValidatePathAndMethod);
  CPPUNIT_TEST(groupsReferOnlyToExistingApis);
  CPPUNIT_TEST(objectsInUseCannotBeDeleted);
  CPPUNIT_TEST(badBodiesGetTheErrorShape);
  CPPUNIT_TEST(tokensAreCheckedForPresenceAndRole);
  CPPUNIT_TEST(tenantTokenStaysInItsTenant);
  CPPUNIT_TEST(unknownRouteAndWrongMethod);
  CPPUNIT_TEST(aChangeWithAQueryStringIsRefusedAndChangesNothing);
  CPPUNIT_TEST_SUITE_END();

 public:
  void clientsCreateReadPatchListDelete() {
    HttpResponse c =
        admin("POST", "/v1/clients",
              R"({"id":"shop","name":"Shop","clientType":"web","contactEmail":"ops@shop.test"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 201, c.status);
    CPPUNIT_ASSERT_EQUAL(std::string("default"), c.json()->getValue<std::string>("tenant"));
    CPPUNIT_ASSERT(c.json()->getValue<bool>("active"));
    HttpResponse g = admin("GET", "/v1/clients/shop");
    CPPUNIT_ASSERT_EQUAL(200, g.status);
    CPPUNIT_ASSERT_EQUAL(std::string("ops@shop.test"),
                         g.json()->getValue<std::string>("contactEmail"));
    HttpResponse p = admin("PATCH", "/v1/clients/shop", R"({"name":"Shop 2","active":false})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(p.body, 200, p.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Shop 2"), p.json()->getValue<std::string>("name"));
    CPPUNIT_ASSERT(!p.json()->getValue<bool>("active"));
    CPPUNIT_ASSERT_EQUAL(std::string("web"), p.json()->getValue<std::string>("clientType"));
    HttpResponse gen = admin("POST", "/v1/clients", R"({"name":"Generated"})");
    CPPUNIT_ASSERT_EQUAL(201, gen.status);
    CPPUNIT_ASSERT(gen.json()->getValue<std::string>("id").rfind("cli_", 0) == 0);
    HttpResponse l = admin("GET", "/v1/clients");
    CPPUNIT_ASSERT_EQUAL(size_t(2), l.json()->getArray("clients")->size());
    CPPUNIT_ASSERT_EQUAL(204, admin("DELETE", "/v1/clients/shop").status);
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/clients/shop").status);
  }

  void duplicateIdIsConflictAndUnknownIdIsNotFound() {
    CPPUNIT_ASSERT_EQUAL(201, admin("POST", "/v1/clients", R"({"id":"a","name":"A"})").status);
    HttpResponse dup = admin("POST", "/v1/clients", R"({"id":"a","name":"A again"})");
    CPPUNIT_ASSERT_EQUAL(409, dup.status);
    CPPUNIT_ASSERT_EQUAL(std::string("DUPLICATE_ID"), dup.errorCode());
    CPPUNIT_ASSERT_EQUAL(std::string("id"),
                         dup.json()->getObject("error")->getValue<std::string>("field"));
    for (const char* path :
         {"/v1/clients/nope", "/v1/apis/nope", "/v1/groups/nope", "/v1/keys/nope"}) {
      HttpResponse r = admin("GET", path);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 404, r.status);
      CPPUNIT_ASSERT_EQUAL(std::string("NOT_FOUND"), r.errorCode());
    }
    CPPUNIT_ASSERT_EQUAL(404, admin("PATCH", "/v1/apis/nope", R"({"name":"x"})").status);
    CPPUNIT_ASSERT_EQUAL(404, admin("DELETE", "/v1/groups/nope").status);
  }

  void apisValidatePathAndMethod() {
    // Methods are case-sensitive (RFC 9110 §9.1): `get` is refused, not stored as GET.
    for (const char* m : {"get", "Get", "gET", " GET", "GET "}) {
      HttpResponse lower =
          admin("POST", "/v1/apis",
                std::string(R"({"id":"o2","name":"O","method":")") + m + R"(","path":"/o"})");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(lower.body, 400, lower.status);
      CPPUNIT_ASSERT_EQUAL(std::string("INVALID_FIELD"), lower.errorCode());
      CPPUNIT_ASSERT_EQUAL(std::string("method"),
                           lower.json()->getObject("error")->getValue<std::string>("field"));
    }
    HttpResponse a = admin(
        "POST", "/v1/apis",
        R"({"id":"orders","name":"Orders","method":"GET","path":"/orders/{id}/*","scopes":["orders:read"]})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(a.body, 201, a.status);
    HttpResponse lowerPatch = admin("PATCH", "/v1/apis/orders", R"({"method":"post"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(lowerPatch.body, 400, lowerPatch.status);
    CPPUNIT_ASSERT_EQUAL(std::string("method"),
                         lowerPatch.json()->getObject("error")->getValue<std::string>("field"));
    CPPUNIT_ASSERT_EQUAL(std::string("GET"), a.json()->getValue<std::string>("method"));
    HttpResponse badPath =
        admin("POST", "/v1/apis", R"({"name":"x","method":"GET","path":"/a/*/b"})");
    CPPUNIT_ASSERT_EQUAL(400, badPath.status);
    CPPUNIT_ASSERT_EQUAL(std::string("path"),
                         badPath.json()->getObject("error")->getValue<std::string>("field"));
    HttpResponse badMethod =
        admin("POST", "/v1/apis", R"({"name":"x","method":"FETCH","path":"/a"})");
    CPPUNIT_ASSERT_EQUAL(std::string("method"),
                         badMethod.json()->getObject("error")->getValue<std::string>("field"));
    HttpResponse badScope =
        admin("POST", "/v1/apis", R"({"name":"x","path":"/a","scopes":["has space"]})");
    CPPUNIT_ASSERT_EQUAL(400, badScope.status);
    HttpResponse patched = admin("PATCH", "/v1/apis/orders", R"({"path":"/v2/orders/{id}"})");
    CPPUNIT_ASSERT_EQUAL(200, patched.status);
    CPPUNIT_ASSERT_EQUAL(std::string("/v2/orders/{id}"),
                         patched.json()->getValue<std::string>("path"));
  }

  void groupsReferOnlyToExistingApis() {
    admin("POST", "/v1/apis", R"({"id":"a1","name":"A1","path":"/a"})");
    HttpResponse g = admin("POST", "/v1/groups", R"({"id":"g1","name":"G1","apis":["a1"]})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(g.body, 201, g.status);
    HttpResponse bad =
        admin("POST", "/v1/groups", R"({"id":"g2","name":"G2","apis":["a1","ghost"]})");
    CPPUNIT_ASSERT_EQUAL(400, bad.status);
    CPPUNIT_ASSERT_EQUAL(std::string("UNKNOWN_API"), bad.errorCode());
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/groups/g2").status);  // nothing half-written
    HttpResponse p = admin("PATCH", "/v1/groups/g1", R"({"apis":[]})");
    CPPUNIT_ASSERT_EQUAL(200, p.status);
    CPPUNIT_ASSERT_EQUAL(size_t(0), p.json()->getArray("apis")->size());
  }

  void objectsInUseCannotBeDeleted() {
    admin("POST", "/v1/apis", R"({"id":"a1","name":"A1","path":"/a"})");
    admin("POST", "/v1/groups", R"({"id":"g1","name":"G1","apis":["a1"]})");
    HttpResponse inGroup = admin("DELETE", "/v1/apis/a1");
    CPPUNIT_ASSERT_EQUAL(409, inGroup.status);
    CPPUNIT_ASSERT_EQUAL(std::string("API_IN_USE"), inGroup.errorCode());
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","groups":["g1"]})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("GROUP_IN_USE"), admin("DELETE", "/v1/groups/g1").errorCode());
    CPPUNIT_ASSERT_EQUAL(std::string("CLIENT_HAS_KEYS"),
                         admin("DELETE", "/v1/clients/c1").errorCode());
    CPPUNIT_ASSERT_EQUAL(
        200, admin("POST", "/v1/keys/" + id + "/revoke", R"({"reason":"done"})").status);
    CPPUNIT_ASSERT_EQUAL(204, admin("DELETE", "/v1/groups/g1").status);
    CPPUNIT_ASSERT_EQUAL(204, admin("DELETE", "/v1/apis/a1").status);
    CPPUNIT_ASSERT_EQUAL(204, admin("DELETE", "/v1/clients/c1").status);
  }

  void badBodiesGetTheErrorShape() {
    auto expect = [&](const HttpResponse& r, int status, const std::string& code) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, status, r.status);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, code, r.errorCode());
      CPPUNIT_ASSERT(r.json()->getObject("error")->has("message"));
    };
    expect(admin("POST", "/v1/clients", R"({"id":"x","name":)"), 400, "INVALID_JSON");
    expect(admin("POST", "/v1/clients", R"(["not","an","object"])"), 400, "INVALID_JSON");
    expect(admin("POST", "/v1/clients", R"({"id":"x","name":42})"), 400, "INVALID_FIELD");
    expect(admin("POST", "/v1/clients", R"({"id":"x","name":"X","actve":true})"), 400,
           "UNKNOWN_FIELD");
    expect(admin("POST", "/v1/clients", R"({"id":"x"})"), 400, "MISSING_FIELD");
    expect(admin("POST", "/v1/clients", R"({"id":"has space","name":"X"})"), 400, "INVALID_FIELD");
    expect(admin("POST", "/v1/clients", R"({"name":"X","contactEmail":"not-an-email"})"), 400,
           "INVALID_FIELD");
    expect(admin("POST", "/v1/clients", ""), 400, "MISSING_BODY");
    HttpResponse form = server->client().request(
        "POST", "/v1/clients", "id=x&name=y", {{"Authorization", "Bearer " + server->adminToken()}},
        "application/x-www-form-urlencoded");
    expect(form, 415, "UNSUPPORTED_MEDIA_TYPE");
    std::string huge = R"({"id":"x","name":")" + std::string(2 << 20, 'a') + "\"}";
    expect(admin("POST", "/v1/clients", huge), 413, "BODY_TOO_LARGE");
    CPPUNIT_ASSERT_EQUAL(
        0u, static_cast<unsigned>(admin("GET", "/v1/clients").json()->getArray("clients")->size()));
  }

  void tokensAreCheckedForPresenceAndRole() {
    HttpResponse none = as("", "GET", "/v1/clients");
    CPPUNIT_ASSERT_EQUAL(401, none.status);
    CPPUNIT_ASSERT_EQUAL(std::string("UNAUTHENTICATED"), none.errorCode());
    CPPUNIT_ASSERT_EQUAL(401, as("kwt_wrong", "GET", "/v1/clients").status);
    std::string gw = token("--role gateway --name edge");
    HttpResponse role = as(gw, "GET", "/v1/clients");
    CPPUNIT_ASSERT_EQUAL(403, role.status);
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN_ROLE"), role.errorCode());
    std::string second = token("--role admin --name second");
    CPPUNIT_ASSERT_EQUAL(200, as(second, "GET", "/v1/clients").status);
  }

  void tenantTokenStaysInItsTenant() {
    std::string acme = token("--role admin --tenant acme --name acme-admin");
    HttpResponse own = as(acme, "POST", "/v1/clients", R"({"id":"acme-app","name":"Acme App"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(own.body, 201, own.status);
    CPPUNIT_ASSERT_EQUAL(std::string("acme"), own.json()->getValue<std::string>("tenant"));
    CPPUNIT_ASSERT_EQUAL(
        201,
        admin("POST", "/v1/clients", R"({"id":"globex-app","name":"G","tenant":"globex"})").status);
    HttpResponse other =
        as(acme, "POST", "/v1/clients", R"({"id":"x","name":"X","tenant":"globex"})");
    CPPUNIT_ASSERT_EQUAL(403, other.status);
    CPPUNIT_ASSERT_EQUAL(std::string("TENANT_FORBIDDEN"), other.errorCode());
    CPPUNIT_ASSERT_EQUAL(404, as(acme, "GET", "/v1/clients/globex-app").status);
    CPPUNIT_ASSERT_EQUAL(404, as(acme, "DELETE", "/v1/clients/globex-app").status);
    CPPUNIT_ASSERT_EQUAL(403, as(acme, "GET", "/v1/clients?tenant=globex").status);
    CPPUNIT_ASSERT_EQUAL(403, as(acme, "GET", "/v1/tenants/globex/apiKeys").status);
    CPPUNIT_ASSERT_EQUAL(403,
                         as(acme, "POST", "/v1/tenants/globex/apiKeys", R"({"name":"x"})").status);
    auto list = as(acme, "GET", "/v1/clients").json()->getArray("clients");
    CPPUNIT_ASSERT_EQUAL(size_t(1), list->size());
    CPPUNIT_ASSERT_EQUAL(size_t(2),
                         admin("GET", "/v1/clients").json()->getArray("clients")->size());
  }

  // `POST /v1/clients?tenant=acme` created the client in the default tenant; `DELETE
  // /v1/clients/a?force=true` deleted it ignoring `force`. No change takes a query parameter.
  void aChangeWithAQueryStringIsRefusedAndChangesNothing() {
    HttpResponse c = admin("POST", "/v1/clients?tenant=acme", R"({"id":"q","name":"Q"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 400, c.status);
    CPPUNIT_ASSERT_EQUAL(std::string("UNKNOWN_FIELD"), c.errorCode());
    CPPUNIT_ASSERT_EQUAL(std::string("tenant"),
                         c.json()->getObject("error")->getValue<std::string>("field"));
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/clients/q").status);
    CPPUNIT_ASSERT_EQUAL(201, admin("POST", "/v1/clients", R"({"id":"q","name":"Q"})").status);
    CPPUNIT_ASSERT_EQUAL(400, admin("PATCH", "/v1/clients/q?x=1", R"({"name":"R"})").status);
    CPPUNIT_ASSERT_EQUAL(400, admin("DELETE", "/v1/clients/q?force=true").status);
    CPPUNIT_ASSERT_EQUAL(400, admin("DELETE", "/v1/clients/q?%zz").status);
    HttpResponse g = admin("GET", "/v1/clients/q");
    CPPUNIT_ASSERT_EQUAL(200, g.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Q"), g.json()->getValue<std::string>("name"));
    CPPUNIT_ASSERT_EQUAL(204, admin("DELETE", "/v1/clients/q?").status);  // an empty query
  }

  void unknownRouteAndWrongMethod() {
    HttpResponse nf = admin("GET", "/v1/nothing");
    CPPUNIT_ASSERT_EQUAL(404, nf.status);
    CPPUNIT_ASSERT_EQUAL(std::string("NOT_FOUND"), nf.errorCode());
    HttpResponse m = admin("PUT", "/v1/clients");
    CPPUNIT_ASSERT_EQUAL(405, m.status);
    CPPUNIT_ASSERT_EQUAL(std::string("METHOD_NOT_ALLOWED"), m.errorCode());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CatalogApiTest);
