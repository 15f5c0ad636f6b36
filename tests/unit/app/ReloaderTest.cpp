#include <cppunit/extensions/HelperMacros.h>

#include <Poco/File.h>

#include <fstream>

#include "app/Reloader.h"
#include "tests/support/TempDir.h"

using namespace keywarden;
using keywarden::test::TempDir;

namespace {
const std::string kSource = KEYWARDEN_SOURCE_DIR;
void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}
const char* kFlowV1 = R"({"id":"default","priority":0,"match":{},"levels":[
  {"name":"Lead","approvers":["lead@example.com"],"policy":"any"}]})";
const char* kFlowV2 = R"({"id":"default","priority":0,"match":{},"levels":[
  {"name":"Security","approvers":["sec@example.com"],"policy":"any"}]})";
}  // namespace

// SIGHUP's work: everything checked first, then both sets swapped; a broken file swaps nothing.
class ReloaderTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ReloaderTest);
  CPPUNIT_TEST(aGoodReloadSwapsFlowsAndTemplates);
  CPPUNIT_TEST(aBrokenFlowLeavesBothOldSetsServingAndNamesTheFile);
  CPPUNIT_TEST(aBrokenTemplateLeavesBothOldSetsServingAndNamesTheFile);
  CPPUNIT_TEST(anApplicationsRoutedFlowOutlivesTheReload);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<TempDir>("kwreload");
    flowsDir = dir->file("workflows");
    templatesDir = dir->file("templates");
    Poco::File(flowsDir).createDirectories();
    write(flowsDir + "/default.json", kFlowV1);
    Poco::File(kSource + "/templates").copyTo(templatesDir);
    flows = engine::FlowCatalog::loadDir(flowsDir);
    templates = std::make_unique<mail::TemplateSet>(templatesDir);
    reloader = std::make_unique<app::Reloader>(flowsDir, templatesDir, "en", flows, *templates);
  }

  void aGoodReloadSwapsFlowsAndTemplates() {
    write(flowsDir + "/default.json", kFlowV2);
    write(templatesDir + "/mail/signin.subject.mustache", "Sign in, v2");
    auto r = reloader->reload();
    CPPUNIT_ASSERT_MESSAGE(r.message, r.ok);
    CPPUNIT_ASSERT(r.message.find("reloaded 1 flow(s) (default ") == 0);
    CPPUNIT_ASSERT_EQUAL(std::string("Security"), (*flows.flows())[0].levels[0].name);
    CPPUNIT_ASSERT_EQUAL(std::string("Sign in, v2"), templates->renderMail("signin", "{}").subject);
  }

  void aBrokenFlowLeavesBothOldSetsServingAndNamesTheFile() {
    write(flowsDir + "/default.json", kFlowV2);
    write(templatesDir + "/mail/signin.subject.mustache", "Sign in, v2");
    write(flowsDir + "/broken.json", R"({"id":"broken","priority":0,"match":{},"levels":[
      {"name":"L","approvers":[],"policy":"any"}]})");
    auto r = reloader->reload();
    CPPUNIT_ASSERT(!r.ok);
    CPPUNIT_ASSERT_MESSAGE(r.message, r.message.find(flowsDir + "/broken.json: ") == 0);
    CPPUNIT_ASSERT_EQUAL(std::string("Lead"), (*flows.flows())[0].levels[0].name);
    CPPUNIT_ASSERT_EQUAL(std::string("Your Keywarden sign-in link"),
                         templates->renderMail("signin", "{}").subject);
  }

  void aBrokenTemplateLeavesBothOldSetsServingAndNamesTheFile() {
    write(flowsDir + "/default.json", kFlowV2);
    write(templatesDir + "/lang/zh-TW/mail/rejected.txt.mustache", "{{#comment}} unclosed");
    auto r = reloader->reload();
    CPPUNIT_ASSERT(!r.ok);
    CPPUNIT_ASSERT_MESSAGE(
        r.message, r.message.find(templatesDir + "/lang/zh-TW/mail/rejected.txt.mustache: ") == 0);
    CPPUNIT_ASSERT_EQUAL(std::string("Lead"), (*flows.flows())[0].levels[0].name);
    Poco::File(flowsDir).remove(true);  // a missing directory is refused too
    r = reloader->reload();
    CPPUNIT_ASSERT(!r.ok);
    CPPUNIT_ASSERT_EQUAL(std::string("Lead"), (*flows.flows())[0].levels[0].name);
  }

  void anApplicationsRoutedFlowOutlivesTheReload() {
    engine::RoutingFacts facts;
    auto routed = flows.route(facts);  // an application being routed holds this
    write(flowsDir + "/default.json", kFlowV2);
    CPPUNIT_ASSERT(reloader->reload().ok);
    CPPUNIT_ASSERT_EQUAL(std::string("Lead"), routed->levels[0].name);
    CPPUNIT_ASSERT_EQUAL(std::string("Security"), flows.route(facts)->levels[0].name);
  }

 private:
  std::unique_ptr<TempDir> dir;
  std::string flowsDir, templatesDir;
  engine::FlowCatalog flows;
  std::unique_ptr<mail::TemplateSet> templates;
  std::unique_ptr<app::Reloader> reloader;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ReloaderTest);
