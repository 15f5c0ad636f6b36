#include <cppunit/extensions/HelperMacros.h>

#include "app/Settings.h"

using keywarden::app::Settings;

class SettingsEnvironmentTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SettingsEnvironmentTest);
  CPPUNIT_TEST(unknownKeywardenVariableIsNamedWithTheClosestKnownOne);
  CPPUNIT_TEST(knownVariablesOtherPrefixesAndServiceLinksPass);
  CPPUNIT_TEST_SUITE_END();

 public:
  void unknownKeywardenVariableIsNamedWithTheClosestKnownOne() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("environment KEYWARDEN_SMTP_PROT: unknown setting (did you mean "
                    "KEYWARDEN_SMTP_PORT?)"),
        Settings::unknownVariable({"PATH", "KEYWARDEN_SMTP_PROT"}));
    CPPUNIT_ASSERT_EQUAL(
        std::string("environment KEYWARDEN_HTTP_HEADERTIMEOUTS: unknown setting (did you mean "
                    "KEYWARDEN_HTTP_HEADERTIMEOUT?)"),
        Settings::unknownVariable({"KEYWARDEN_HTTP_HEADERTIMEOUTS"}));
    std::string far = Settings::unknownVariable({"KEYWARDEN_FROBNICATE"});
    CPPUNIT_ASSERT_MESSAGE(far, far.find("environment KEYWARDEN_FROBNICATE: unknown setting") == 0);
    CPPUNIT_ASSERT_MESSAGE(far, far.find("did you mean") == std::string::npos);
    // Service links with a wrong shape are not let through.
    CPPUNIT_ASSERT(!Settings::unknownVariable({"KEYWARDEN_PORT_X_TCP"}).empty());
    CPPUNIT_ASSERT(!Settings::unknownVariable({"KEYWARDEN_PORT_80_TCP_HOST"}).empty());
  }

  void knownVariablesOtherPrefixesAndServiceLinksPass() {
    CPPUNIT_ASSERT_EQUAL(
        std::string(),
        Settings::unknownVariable(
            {"KEYWARDEN_SMTP_PORT", "KEYWARDEN_HTTP_HEADERTIMEOUT",
             "KEYWARDEN_BOOTSTRAP_ADMINTOKEN", "KW_TEST_DB", "KEYWARDENX", "KEYWARDEN_SERVICE_HOST",
             "KEYWARDEN_SERVICE_PORT", "KEYWARDEN_SERVICE_PORT_HTTP", "KEYWARDEN_PORT",
             "KEYWARDEN_PORT_8080_TCP", "KEYWARDEN_PORT_8080_TCP_PROTO",
             "KEYWARDEN_PORT_8080_TCP_PORT", "KEYWARDEN_PORT_8080_TCP_ADDR"}));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SettingsEnvironmentTest);
