#include <cppunit/extensions/HelperMacros.h>

#include <cstdlib>

#include "app/Settings.h"
#include "tests/support/TempDir.h"

using keywarden::app::Settings;
using keywarden::app::SettingsError;

class SettingsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SettingsTest);
  CPPUNIT_TEST(environmentOverridesTheFile);
  CPPUNIT_TEST(eachBadSettingStopsWithOneLineNamingIt);
  CPPUNIT_TEST(serveNeedsTheSecret);
  CPPUNIT_TEST(smtpConnectionsOutsideOneToSixteenStopsWithOneLineNamingIt);
  CPPUNIT_TEST_SUITE_END();

 public:
  void tearDown() override {
    unsetenv("KEYWARDEN_HTTP_PORT");
    unsetenv("KEYWARDEN_SMTP_HOST");
  }

  void environmentOverridesTheFile() {
    keywarden::test::TempDir dir;
    keywarden::test::writeFile(dir.file("k.properties"),
                               "http.port = 9000\nsmtp.host = mail.local\nkeys.prefix = acme\n");
    setenv("KEYWARDEN_HTTP_PORT", "9100", 1);
    Settings s = Settings::load(dir.file("k.properties"));
    CPPUNIT_ASSERT_EQUAL(9100, s.httpPort);
    CPPUNIT_ASSERT_EQUAL(std::string("mail.local"), s.smtpHost);
    CPPUNIT_ASSERT_EQUAL(std::string("acme"), s.keysPrefix);
    CPPUNIT_ASSERT_EQUAL(std::string("KEYWARDEN_SMTP_HOST"), Settings::envName("smtp.host"));
    CPPUNIT_ASSERT_EQUAL(std::string("KEYWARDEN_BOOTSTRAP_ADMINTOKEN"),
                         Settings::envName("bootstrap.adminToken"));
  }

  void eachBadSettingStopsWithOneLineNamingIt() {
    keywarden::test::TempDir dir;
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"http.port = 70000", "http.port"},
        {"http.port = abc", "http.port"},
        {"db.connector = mysql", "db.connector"},
        {"secret = short", "secret"},
        {"keys.prefix = Bad_", "keys.prefix"},
        {"gateway.rateLimitStatus = 500", "gateway.rateLimitStatus"},
        {"keys.expiryReminder = soon", "keys.expiryReminder"},
        {"smtp.starttls = maybe", "smtp.starttls"},
        {"gateway.keyHeaders = cookie:", "gateway.keyHeaders"},
        {"htpp.port = 1", "htpp.port"},
        {"public.baseUrl = ftp://x", "public.baseUrl"},
        // Names with an empty part once recursed until the stack overflowed (fuzz/SettingsFuzz:
        // ".smtp.connections = 0"); each is one line now.
        {".smtp.connections = 0", "empty part"},
        {"smtp..port = 25", "after 'smtp'"},
        {"smtp.port. = 25", "empty part"},
        {". = 1", "empty part"},
        {"log..level = debug", "after 'log'"}};
    for (const auto& [line, key] : bad) {
      keywarden::test::writeFile(dir.file("k.properties"), line + "\n");
      try {
        Settings::load(dir.file("k.properties"));
        CPPUNIT_FAIL("accepted: " + line);
      } catch (const SettingsError& e) {
        std::string msg = e.what();
        CPPUNIT_ASSERT_MESSAGE(msg, msg.find(key) != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(msg, msg.find('\n') == std::string::npos);
      }
    }
    CPPUNIT_ASSERT_THROW(Settings::load(dir.file("missing.properties")), SettingsError);
  }

  void smtpConnectionsOutsideOneToSixteenStopsWithOneLineNamingIt() {
    keywarden::test::TempDir dir;
    for (const char* v : {"0", "17", "two", "-1", ""}) {
      keywarden::test::writeFile(dir.file("k.properties"),
                                 std::string("smtp.connections = ") + v + "\n");
      try {
        Settings::load(dir.file("k.properties"));
        CPPUNIT_FAIL(std::string("accepted smtp.connections = ") + v);
      } catch (const SettingsError& e) {
        std::string msg = e.what();
        CPPUNIT_ASSERT_MESSAGE(msg, msg.find("smtp.connections") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(msg, msg.find('\n') == std::string::npos);
      }
    }
    keywarden::test::writeFile(dir.file("k.properties"), "smtp.connections = 16\n");
    CPPUNIT_ASSERT_EQUAL(16, Settings::load(dir.file("k.properties")).smtpConnections);
    keywarden::test::writeFile(dir.file("k.properties"), "http.port = 9000\n");
    CPPUNIT_ASSERT_EQUAL(2, Settings::load(dir.file("k.properties")).smtpConnections);
  }

  void serveNeedsTheSecret() {
    keywarden::test::TempDir dir;
    keywarden::test::writeFile(dir.file("k.properties"), "http.port = 9000\n");
    Settings s = Settings::load(dir.file("k.properties"));
    CPPUNIT_ASSERT_THROW(s.requireServeSecrets(), SettingsError);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SettingsTest);
