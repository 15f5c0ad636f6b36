#include <cppunit/extensions/HelperMacros.h>

#include <cstdlib>

#include "app/Settings.h"
#include "engine/text/Utf8.h"
#include "tests/support/TempDir.h"
#include "tests/unit/app/SettingsCases.h"

using keywarden::app::Settings;
using keywarden::app::SettingsError;

class SettingsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SettingsTest);
  CPPUNIT_TEST(environmentOverridesTheFile);
  CPPUNIT_TEST(eachBadSettingStopsWithOneLineNamingIt);
  CPPUNIT_TEST(serveNeedsTheSecret);
  CPPUNIT_TEST(smtpConnectionsOutsideOneToSixteenStopsWithOneLineNamingIt);
  CPPUNIT_TEST(portalSettingsAreReadAndBadOnesStopWithOneLineNamingThem);
  CPPUNIT_TEST(abuseSettingsAreReadAndBadOnesStopWithOneLineNamingThem);
  CPPUNIT_TEST(gatewayListenerSettingsAreReadAndItsPortMustBeItsOwn);
  CPPUNIT_TEST(aPublicBaseUrlNoMailLinkCouldCarryStopsWithOneLineNamingIt);
  CPPUNIT_TEST_SUITE_END();

 public:
  using Cases = keywarden::test::SettingsCases;
  static void eachIsRefusedNaming(const keywarden::test::TempDir& dir, const Cases& cases) {
    keywarden::test::eachSettingIsRefusedNaming(dir, cases);
  }

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
    const Cases bad = {
        {"http.port = 70000", "http.port"},
        {"http.port = abc", "http.port"},
        {"db.connector = mysql", "db.connector"},
        {"secret = short", "secret"},
        {"keys.prefix = Bad_", "keys.prefix"},
        {"keys.prefix = kwt", "'kwt' is the prefix of access tokens"},
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
        {"public.baseUrl = ftp://x", "public.baseUrl"},
        // A value quoted in the line once carried its line breaks (a properties file's \n
        // escape) and bytes that are not UTF-8 into it.
        {"smtp.host = mail\\nexample", "smtp.host"},
        {"http.port = 80\\r\\n81", "http.port"},
        {"keys.prefix = a\\nb", "keys.prefix"},
        {"smtp.starttls = \xC0\x80", "smtp.starttls"},
        {"unkno\x7Fn.setting = 1", "unknown setting 'unkno?n.setting'"},  // fuzz/SettingsFuzz
        {"smtp.\xC0\x80 = 1",
         "unknown setting 'smtp.?"
         "?'"},
        // Names with an empty part once recursed until the stack overflowed (fuzz/SettingsFuzz:
        // ".smtp.connections = 0"); each is one line now.
        {".smtp.connections = 0", "empty part"},
        {"smtp..port = 25", "after 'smtp'"},
        {"smtp.port. = 25", "empty part"},
        {". = 1", "empty part"},
        {"log..level = debug", "after 'log'"},
        // A setting given twice: Poco kept the last one silently.
        {"gateway.requireToken = true\ngateway.requireToken = false",
         "'gateway.requireToken' is given twice (lines 1 and 2)"},
        {"# a comment\n\nhttp.port: 9000\n  http.port = 9001", "given twice (lines 3 and 4)"},
        {"smtp.fromName = a \\\n  b\nsmtp.fromName=c", "given twice (lines 1 and 3)"}};
    eachIsRefusedNaming(dir, bad);
    CPPUNIT_ASSERT_THROW(Settings::load(dir.file("missing.properties")), SettingsError);
    // Comments and continued values are not settings of their own.
    keywarden::test::writeFile(dir.file("k.properties"),
                               "# http.port = 1\n! http.port = 2\nhttp.port = 9000\n"
                               "smtp.fromName = a \\\nhttp.port = x\n");
    Settings s = Settings::load(dir.file("k.properties"));
    CPPUNIT_ASSERT_EQUAL(9000, s.httpPort);
  }

  // public.baseUrl is in every mail's links (the templates' JSON context): bytes that are not
  // UTF-8 once made every mail fail to render ("not sent: rendering failed"), a space or a quote
  // broke the link. Each is refused at start-up; the line quotes the value in printable ASCII.
  void aPublicBaseUrlNoMailLinkCouldCarryStopsWithOneLineNamingIt() {
    keywarden::test::TempDir dir;
    const Cases bad = {{"public.baseUrl = https://ex\xC0\x80"
                        "ample.com",
                        "public.baseUrl"},
                       {"public.baseUrl = https://keys.example/\xED\xA0\x80", "public.baseUrl"},
                       {"public.baseUrl = https://keys.example/\xF4\x90\x80\x80", "public.baseUrl"},
                       {"public.baseUrl = https://keys.example/\xFF", "public.baseUrl"},
                       {"public.baseUrl = https://keys.example/\xC2\x85", "public.baseUrl"},
                       {"public.baseUrl = https://keys.example/\x01", "public.baseUrl"},
                       {"public.baseUrl = https://keys example", "public.baseUrl"},
                       {"public.baseUrl = https://keys.example/\"><b>", "public.baseUrl"},
                       {"public.baseUrl = https://keys.example/?x=1", "public.baseUrl"},
                       {"public.baseUrl = https://keys.example/#top", "public.baseUrl"},
                       {"public.baseUrl = https://", "public.baseUrl"},
                       {"public.baseUrl = https:///path", "public.baseUrl"}};
    eachIsRefusedNaming(dir, bad);
    for (const auto& [content, named] : bad) {
      keywarden::test::writeFile(dir.file("k.properties"), content + "\n");
      try {
        Settings::load(dir.file("k.properties"));
      } catch (const SettingsError& e) {
        for (char c : std::string(e.what()))
          CPPUNIT_ASSERT_MESSAGE(e.what(), c >= 0x20 && c < 0x7F);
      }
    }
    for (const std::string good :
         {"https://keys.example", "http://127.0.0.1:8080/", "https://keys.example/kw",
          "https://k\xC3\xA9ys.example/p\xE2\x82\xAC"}) {
      keywarden::test::writeFile(dir.file("k.properties"), "public.baseUrl = " + good + "\n");
      std::string want = good.back() == '/' ? good.substr(0, good.size() - 1) : good;
      CPPUNIT_ASSERT_EQUAL(want, Settings::load(dir.file("k.properties")).publicBaseUrl);
    }
  }

  void abuseSettingsAreReadAndBadOnesStopWithOneLineNamingThem() {
    keywarden::test::TempDir dir;
    keywarden::test::writeFile(dir.file("k.properties"), "");
    Settings d = Settings::load(dir.file("k.properties"));
    CPPUNIT_ASSERT_EQUAL(20, d.abuse.source.failures);
    CPPUNIT_ASSERT_EQUAL(int64_t(60000), d.abuse.source.windowMs);
    CPPUNIT_ASSERT_EQUAL(int64_t(300000), d.abuse.prefix.blockMs);
    CPPUNIT_ASSERT_EQUAL(10, d.abuse.link.failures);
    CPPUNIT_ASSERT_EQUAL(int64_t(600000), d.abuse.link.windowMs);
    CPPUNIT_ASSERT_EQUAL(size_t(2), d.abuseTrustedProxies.size());  // loopback, v4 and v6
    CPPUNIT_ASSERT_EQUAL(std::string("X-Forwarded-For"), d.abuseClientAddressHeader);
    keywarden::test::writeFile(
        dir.file("k.properties"),
        "abuse.trustedProxies = 10.0.0.0/8, 192.0.2.7, 2001:db8::/32\n"
        "abuse.clientAddressHeader = X-Real-IP\nabuse.sourceFailures = 0\n"
        "abuse.prefixWindow = 30s\nabuse.linkFailures = 3\nabuse.blockFor = 1h\n"
        "abuse.tableSize = 4096\n");
    Settings s = Settings::load(dir.file("k.properties"));
    CPPUNIT_ASSERT_EQUAL(size_t(3), s.abuseTrustedProxies.size());
    CPPUNIT_ASSERT_EQUAL(std::string("X-Real-IP"), s.abuseClientAddressHeader);
    CPPUNIT_ASSERT_EQUAL(0, s.abuse.source.failures);
    CPPUNIT_ASSERT_EQUAL(int64_t(30000), s.abuse.prefix.windowMs);
    CPPUNIT_ASSERT_EQUAL(3, s.abuse.link.failures);
    CPPUNIT_ASSERT_EQUAL(int64_t(3600000), s.abuse.source.blockMs);
    CPPUNIT_ASSERT_EQUAL(int64_t(3600000), s.abuse.link.blockMs);
    CPPUNIT_ASSERT_EQUAL(size_t(4096), s.abuse.slots);
    const Cases bad = {{"abuse.trustedProxies = proxy.local", "abuse.trustedProxies"},
                       {"abuse.trustedProxies = 10.0.0.0/33", "abuse.trustedProxies"},
                       {"abuse.trustedProxies = 10.0.0.1:80", "abuse.trustedProxies"},
                       {"abuse.clientAddressHeader = X Real IP", "abuse.clientAddressHeader"},
                       {"abuse.clientAddressHeader = ", "abuse.clientAddressHeader"},
                       {"abuse.sourceFailures = -1", "abuse.sourceFailures"},
                       {"abuse.prefixFailures = many", "abuse.prefixFailures"},
                       {"abuse.sourceWindow = 10ms", "abuse.sourceWindow"},
                       {"abuse.linkWindow = 2d", "abuse.linkWindow"},
                       {"abuse.blockFor = 0s", "abuse.blockFor"},
                       {"abuse.blockFor = 8d", "abuse.blockFor"},
                       {"abuse.tableSize = 10", "abuse.tableSize"},
                       {"abuse.sourcefailures = 3", "abuse.sourcefailures"}};
    eachIsRefusedNaming(dir, bad);
  }

  void portalSettingsAreReadAndBadOnesStopWithOneLineNamingThem() {
    keywarden::test::TempDir dir;
    keywarden::test::writeFile(
        dir.file("k.properties"),
        "portal.requesterDomains = Dev.Example, corp.example\nportal.admins = Boss@Example.com\n"
        "portal.signinLifetime = 10m\nportal.sessionIdle = 1h\nportal.sessionMax = 1d\n"
        "portal.trustedHeader = X-Forwarded-Email\nportal.trustedProxies = 127.0.0.1, ::1\n");
    Settings s = Settings::load(dir.file("k.properties"));
    CPPUNIT_ASSERT_EQUAL(std::string("dev.example"), s.portal.requesterDomains.at(0));
    CPPUNIT_ASSERT_EQUAL(std::string("corp.example"), s.portal.requesterDomains.at(1));
    CPPUNIT_ASSERT_EQUAL(std::string("boss@example.com"), s.portal.admins.at(0));
    CPPUNIT_ASSERT_EQUAL(int64_t(600000), s.portal.signinLifetimeMs);
    CPPUNIT_ASSERT_EQUAL(int64_t(3600000), s.portal.sessionIdleMs);
    CPPUNIT_ASSERT_EQUAL(int64_t(86400000), s.portal.sessionMaxMs);
    CPPUNIT_ASSERT_EQUAL(std::string("X-Forwarded-Email"), s.portalTrustedHeader);
    CPPUNIT_ASSERT_EQUAL(size_t(2), s.portalTrustedProxies.size());
    keywarden::test::writeFile(dir.file("k.properties"), "");
    Settings d = Settings::load(dir.file("k.properties"));
    CPPUNIT_ASSERT_EQUAL(int64_t(15 * 60000), d.portal.signinLifetimeMs);
    CPPUNIT_ASSERT_EQUAL(int64_t(8 * 3600000), d.portal.sessionIdleMs);
    CPPUNIT_ASSERT_EQUAL(int64_t(7LL * 86400000), d.portal.sessionMaxMs);
    const Cases bad = {
        {"portal.requesterDomains = dev@example.com", "portal.requesterDomains"},
        {"portal.requesterDomains = .example", "portal.requesterDomains"},
        {"portal.admins = boss", "portal.admins"},
        {"portal.signinLifetime = 2d", "portal.signinLifetime"},
        {"portal.signinLifetime = soon", "portal.signinLifetime"},
        {"portal.sessionIdle = 10s", "portal.sessionIdle"},
        {"portal.sessionMax = 1h", "portal.sessionMax"},  // shorter than the 8h idle default
        {"portal.trustedHeader = X-Email", "portal.trustedHeader"},  // without trusted proxies
        {"portal.trustedHeader = X Email\nportal.trustedProxies = 127.0.0.1",
         "portal.trustedHeader"},
        {"portal.trustedProxies = proxy.local", "portal.trustedProxies"}};
    eachIsRefusedNaming(dir, bad);
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
    eachIsRefusedNaming(dir, {{"gateway.port = 8080", "gateway.port"},
                              {"gateway.port = 8080", "must differ from http.port"},
                              // Once refused only when the listener opened: exit 1, no setting
                              // named ("Host not found: 999.1.1.1"), or a misleading "already in
                              // use (is another keywarden running on it?)".
                              {"http.address = 999.1.1.1", "http.address"},
                              {"http.address = ", "http.address"},
                              {"http.address = -bad-.example", "http.address"},
                              {"http.address = a b", "http.address"},
                              {"https.port = 8080", "setting https.port"},
                              {"gateway.port = 8081\ngateway.address = nope", "gateway.address"},
                              {"gateway.port = 8081\nhttp.address = localhost",
                               "gateway.address defaults to http.address"}});
    for (const char* good : {"http.address = localhost", "http.address = ::1",
                             "http.address = 0.0.0.0", "http.address = host-1.example"}) {
      keywarden::test::writeFile(dir.file("k.properties"), std::string(good) + "\n");
      Settings::load(dir.file("k.properties"));
    }
  }

  void smtpConnectionsOutsideOneToSixteenStopsWithOneLineNamingIt() {
    keywarden::test::TempDir dir;
    Cases bad;
    for (const char* v : {"0", "17", "two", "-1", ""})
      bad.push_back({std::string("smtp.connections = ") + v, "smtp.connections"});
    eachIsRefusedNaming(dir, bad);
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
