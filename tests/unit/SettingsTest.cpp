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
  CPPUNIT_TEST(gatewayListenerSettingsAreReadAndItsPortMustBeItsOwn);
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
        {"gateway.port = 8080", "gateway.port"},
        {"gateway.port = 70000", "gateway.port"},
        {"gateway.loops = 65", "gateway.loops"},
        {"gateway.cacheSeconds = -1", "gateway.cacheSeconds"},
        {"gateway.cacheSeconds = 3601", "gateway.cacheSeconds"},
        {"keys.expiryReminder = soon", "keys.expiryReminder"},
        {"smtp.starttls = maybe", "smtp.starttls"},
        {"gateway.keyHeaders = cookie:", "gateway.keyHeaders"},
        {"htpp.port = 1", "htpp.port"},
        {"public.baseUrl = ftp://x", "public.baseUrl"}};
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

  void gatewayListenerSettingsAreReadAndItsPortMustBeItsOwn() {
    keywarden::test::TempDir dir;
    keywarden::test::writeFile(dir.file("k.properties"), "http.address = 127.0.0.2\n");
    Settings d = Settings::load(dir.file("k.properties"));
    CPPUNIT_ASSERT_EQUAL(0, d.gatewayPort);                            // off by default
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.2"), d.gatewayAddress);  // http.address
    CPPUNIT_ASSERT_EQUAL(0, d.gateway.cacheSeconds);
    keywarden::test::writeFile(dir.file("k.properties"),
                               "gateway.port = 8081\ngateway.address = 0.0.0.0\n"
                               "gateway.loops = 4\ngateway.cacheSeconds = 5\n");
    Settings s = Settings::load(dir.file("k.properties"));
    CPPUNIT_ASSERT_EQUAL(8081, s.gatewayPort);
    CPPUNIT_ASSERT_EQUAL(std::string("0.0.0.0"), s.gatewayAddress);
    CPPUNIT_ASSERT_EQUAL(4, s.gatewayLoops);
    CPPUNIT_ASSERT_EQUAL(5, s.gateway.cacheSeconds);
    keywarden::test::writeFile(dir.file("k.properties"), "gateway.port = 8080\n");
    try {
      Settings::load(dir.file("k.properties"));
      CPPUNIT_FAIL("accepted gateway.port = http.port");
    } catch (const SettingsError& e) {
      std::string msg = e.what();
      CPPUNIT_ASSERT_MESSAGE(msg, msg.find("gateway.port") != std::string::npos &&
                                      msg.find("must differ from http.port") != std::string::npos);
    }
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
