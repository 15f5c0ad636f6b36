#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "engine/audit/AuditExport.h"

using namespace keywarden::engine;

class AuditExportTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AuditExportTest);
  CPPUNIT_TEST(lineIsOneJsonObjectWithHashesAndDetailAsAnObject);
  CPPUNIT_TEST(detailThatIsNotAOneLineObjectIsQuoted);
  CPPUNIT_TEST_SUITE_END();

 public:
  void lineIsOneJsonObjectWithHashesAndDetailAsAnObject() {
    ChainedAuditRow r;
    r.seq = 7;
    r.id = "aud_7";
    r.entry = {1764547200123, "admin", "key.create", "key", "key_1", "acme", "{\"n\":1}"};
    r.prevHash = std::string(64, 'a');
    r.hash = std::string(64, 'b');
    std::string line = AuditExport::jsonLine(r);
    CPPUNIT_ASSERT(line.find('\n') == std::string::npos);
    auto o = Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
    CPPUNIT_ASSERT_EQUAL(7, o->getValue<int>("seq"));
    CPPUNIT_ASSERT_EQUAL(std::string("2025-12-01T00:00:00.123Z"), o->getValue<std::string>("at"));
    CPPUNIT_ASSERT_EQUAL(std::string(64, 'a'), o->getValue<std::string>("prevHash"));
    CPPUNIT_ASSERT_EQUAL(std::string(64, 'b'), o->getValue<std::string>("hash"));
    CPPUNIT_ASSERT_EQUAL(1, o->getObject("detail")->getValue<int>("n"));
  }

  void detailThatIsNotAOneLineObjectIsQuoted() {
    for (std::string detail : {"not json", "[1]", "{\n\"n\":1}", "{\"a\":1} trailing"}) {
      ChainedAuditRow r;
      r.entry.detail = detail;
      std::string line = AuditExport::jsonLine(r);
      CPPUNIT_ASSERT_MESSAGE(detail, line.find('\n') == std::string::npos);
      auto o = Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
      CPPUNIT_ASSERT_EQUAL(detail, o->getValue<std::string>("detail"));
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuditExportTest);
