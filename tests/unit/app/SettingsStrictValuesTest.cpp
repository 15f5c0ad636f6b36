// Every setting is read as written or refused: no value skipped, no sign or leading zero
// dropped, no pair of settings that contradict each other, no key header that is one the gate
// reads for the request itself. Each refusal is one line naming the setting (exit 2).
#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <utility>
#include <vector>

#include "app/Settings.h"
#include "engine/text/Utf8.h"
#include "tests/support/TempDir.h"
#include "tests/unit/app/SettingsCases.h"

using keywarden::app::Settings;
using keywarden::app::SettingsError;

class SettingsStrictValuesTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SettingsStrictValuesTest);
  CPPUNIT_TEST(aNetworkOfEveryAddressIsNotATrustedProxy);
  CPPUNIT_TEST(anEmptyItemInAListIsRefusedNotSkipped);
  CPPUNIT_TEST(smtpGiveUpAfterCannotEndBeforeOneRetryWait);
  CPPUNIT_TEST(integersAndDurationsAreWrittenPlainly);
  CPPUNIT_TEST(keyHeadersNameNoHeaderTheGateReadsAndNoPlaceTwice);
  CPPUNIT_TEST_SUITE_END();

 public:
  using Cases = keywarden::test::SettingsCases;

  static void eachIsRefusedNaming(const Cases& cases) {
    keywarden::test::TempDir dir;
    keywarden::test::eachSettingIsRefusedNaming(dir, cases);
  }

  static Settings loaded(const std::string& content) {
    keywarden::test::TempDir dir;
    keywarden::test::writeFile(dir.file("k.properties"), content + "\n");
    return Settings::load(dir.file("k.properties"));
  }

  void aNetworkOfEveryAddressIsNotATrustedProxy() {
    eachIsRefusedNaming({{"abuse.trustedProxies = 0.0.0.0/0", "abuse.trustedProxies"},
                         {"abuse.trustedProxies = ::/0", "abuse.trustedProxies"},
                         {"abuse.trustedProxies = 10.0.0.1, 0.0.0.0/0", "trusts every address"}});
    CPPUNIT_ASSERT_EQUAL(
        size_t(2),
        loaded("abuse.trustedProxies = 0.0.0.0/1, 128.0.0.0/1").abuseTrustedProxies.size());
  }

  void anEmptyItemInAListIsRefusedNotSkipped() {
    eachIsRefusedNaming(
        {{"abuse.trustedProxies = 10.0.0.1,,10.0.0.2", "abuse.trustedProxies"},
         {"abuse.trustedProxies = 10.0.0.1,", "empty item"},
         {"portal.trustedProxies = ,10.0.0.1", "portal.trustedProxies"},
         {"portal.requesterDomains = example.com, ,example.org", "portal.requesterDomains"},
         {"portal.admins = a@example.com,,b@example.com", "portal.admins"},
         {"gateway.keyHeaders = X-API-Key,,apikey", "gateway.keyHeaders"},
         {"gateway.keyHeaders = X-API-Key,", "gateway.keyHeaders"}});
    CPPUNIT_ASSERT_EQUAL(size_t(2), loaded("portal.requesterDomains = example.com , example.org")
                                        .portal.requesterDomains.size());
    CPPUNIT_ASSERT(loaded("portal.requesterDomains =").portal.requesterDomains.empty());
  }

  void smtpGiveUpAfterCannotEndBeforeOneRetryWait() {
    eachIsRefusedNaming({{"smtp.retryMax = 5m\nsmtp.giveUpAfter = 2m", "smtp.giveUpAfter"},
                         {"smtp.retryMax = 3d", "smtp.giveUpAfter"},  // default 2d
                         {"smtp.retryMax = 500ms", "smtp.retryMax"}});
    Settings s = loaded("smtp.retryMax = 1s\nsmtp.giveUpAfter = 1s");
    CPPUNIT_ASSERT_EQUAL(int64_t(1000), s.smtpGiveUpMs);
  }

  void integersAndDurationsAreWrittenPlainly() {
    eachIsRefusedNaming({{"http.port = +23490", "http.port"},
                         {"http.port = 023490", "write 23490"},
                         {"gateway.loops = 00", "gateway.loops"},
                         {"smtp.connections = +2", "smtp.connections"},
                         {"approvals.digestHour = 07", "approvals.digestHour"},
                         {"quota.leaseBlock = -01", "quota.leaseBlock"},
                         {"smtp.retryMax = 05m", "smtp.retryMax"},
                         {"keys.expiryReminder = 07d", "keys.expiryReminder"}});
    CPPUNIT_ASSERT_EQUAL(23490, loaded("http.port = 23490").httpPort);
    CPPUNIT_ASSERT_EQUAL(0, loaded("gateway.loops = 0").gatewayLoops);
    CPPUNIT_ASSERT_EQUAL(7, loaded("approvals.digestHour =  7 ").digestHourUtc);
  }

  void keyHeadersNameNoHeaderTheGateReadsAndNoPlaceTwice() {
    Cases bad;
    for (const char* h : {"Host",
                          "X-Original-URI",
                          "x-original-method",
                          "X-Forwarded-Uri",
                          "X-Forwarded-For",
                          "X_Forwarded_Host",
                          "Forwarded",
                          "X-Real-IP",
                          "Content-Type",
                          "Content-Length",
                          "Transfer-Encoding",
                          "Connection",
                          "Cookie",
                          "Authorization",
                          "X-HTTP-Method-Override",
                          "X-Method-Override",
                          "X-Original-URL",
                          "X-Rewrite-URL",
                          "X-Request-Id",
                          "X-Gateway-Token",
                          "X-Keywarden-Key-Id",
                          "header:Host"})
      bad.push_back({std::string("gateway.keyHeaders = X-API-Key,") + h, "gateway.keyHeaders"});
    bad.push_back({"gateway.keyHeaders = X-API-Key,x-api-key", "listed twice"});
    bad.push_back({"gateway.keyHeaders = X-API-Key,header:X_API_Key", "listed twice"});
    bad.push_back({"gateway.keyHeaders = bearer,apikey,bearer", "listed twice"});
    bad.push_back({"gateway.keyHeaders = cookie:k,cookie:k", "listed twice"});
    bad.push_back({"gateway.keyHeaders = header:X A", "not a header name"});
    bad.push_back({"abuse.clientAddressHeader = X-Client-Ip\ngateway.keyHeaders = X-Client-IP",
                   "gateway.keyHeaders"});
    bad.push_back({"abuse.clientAddressHeader = X-Client-Ip\ngateway.keyHeaders = X_Client_IP",
                   "gateway.keyHeaders"});  // '_' for '-': the same header to PHP, WSGI, Rack
    eachIsRefusedNaming(bad);
    // Different places of one name are different places; cookie names are case-sensitive.
    CPPUNIT_ASSERT_EQUAL(size_t(4),
                         loaded("gateway.keyHeaders = apikey,cookie:apikey,query:apikey,cookie:"
                                "APIKEY")
                             .gateway.keySources.size());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SettingsStrictValuesTest);
