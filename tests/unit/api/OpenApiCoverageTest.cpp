#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include <set>

#include "api/HttpApi.h"
#include "api/OpenApiDocument.h"
#include "app/Wiring.h"
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
    app::Settings settings;
    settings.db.connection = dir.file("kw.db");
    settings.workflowsDir = std::string(KEYWARDEN_SOURCE_DIR) + "/workflows";
    settings.templatesDir = std::string(KEYWARDEN_SOURCE_DIR) + "/templates";
    settings.secret = "0123456789abcdef0123456789abcdef";
    app::Wiring w(settings);
    api::HttpApi http(w.apiServices(), api::GatewaySettings{}, 1 << 20, nullptr);

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
