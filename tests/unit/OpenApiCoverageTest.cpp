#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include <set>

#include "api/HttpApi.h"
#include "api/OpenApiDocument.h"
#include "engine/ApplicationService.h"
#include "engine/CatalogService.h"
#include "engine/KeyService.h"
#include "engine/ManualClock.h"
#include "engine/StoreQuotaSource.h"
#include "engine/TokenService.h"
#include "store/SqlStore.h"
#include "tests/support/TempDir.h"

using namespace keywarden;

// /openapi.json documents every route the server has, and nothing it does not have.
class OpenApiCoverageTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(OpenApiCoverageTest);
  CPPUNIT_TEST(everyRouteIsDocumentedAndEveryDocumentedOperationExists);
  CPPUNIT_TEST_SUITE_END();

 public:
  void everyRouteIsDocumentedAndEveryDocumentedOperationExists() {
    test::TempDir dir;
    store::DbSettings db;
    db.connection = dir.file("kw.db");
    store::SqlStore store(db);
    store.migrate();
    engine::ManualClock clock(0);
    engine::KeyCache cache;
    engine::CatalogService catalog(store, cache, clock);
    engine::KeyService keys(store, cache, clock, "kw");
    engine::TokenService tokens(store, clock);
    engine::StoreQuotaSource quota(store);
    engine::Verifier verifier(cache, quota, clock, 100);
    engine::FlowCatalog flows;
    engine::SecretBox sealer("0123456789abcdef0123456789abcdef", "test");
    engine::ApplicationService applications(store, keys, flows, clock, sealer);
    api::HttpApi http({store, catalog, keys, tokens, verifier, applications},
                      api::GatewaySettings{}, 1 << 20, nullptr);

    std::set<std::string> routes;
    for (const auto& r : http.router().routes()) {
      std::string path = Poco::replace(r.pattern, "{*", "{");
      routes.insert(Poco::toLower(r.method) + " " + path);
    }
    Poco::JSON::Parser parser;
    auto doc = parser.parse(api::openApiDocument()).extract<Poco::JSON::Object::Ptr>();
    CPPUNIT_ASSERT(doc->getValue<std::string>("openapi").rfind("3.", 0) == 0);
    std::set<std::string> documented;
    auto paths = doc->getObject("paths");
    for (const auto& [path, item] : *paths) {
      auto ops = paths->getObject(path);
      for (const auto& [method, op] : *ops)
        if (method != "parameters" && method != "summary" && method != "description")
          documented.insert(method + " " + path);
    }
    for (const auto& r : routes)
      CPPUNIT_ASSERT_MESSAGE("undocumented route: " + r, documented.count(r));
    for (const auto& d : documented)
      CPPUNIT_ASSERT_MESSAGE("documented but not served: " + d, routes.count(d));
    CPPUNIT_ASSERT(routes.size() > 40);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OpenApiCoverageTest);
