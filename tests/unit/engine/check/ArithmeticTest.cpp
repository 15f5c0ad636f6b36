// Quota, refill, rate-window and duration arithmetic.
#include <cppunit/extensions/HelperMacros.h>

#include "engine/base/Duration.h"
#include "engine/check/QuotaAccount.h"
#include "engine/check/RateWindow.h"
#include "engine/model/RefillPeriod.h"
#include "tests/unit/support/FakeQuotaSource.h"

using namespace keywarden::engine;

namespace {
Key keyWithQuota(int64_t quota) {
  Key k;
  k.id = "k1";
  k.quota = quota;
  k.remaining = quota;
  return k;
}

const int64_t kDay = 86'400'000;
const int64_t kNov21 = 1795219200000;  // 2026-11-21T00:00:00Z
}  // namespace

class ArithmeticTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ArithmeticTest);
  CPPUNIT_TEST(quotaIsNeverOverServed);
  CPPUNIT_TEST(quotaLeasesABlockNotAUnitPerCall);
  CPPUNIT_TEST(costLargerThanTheRestIsRefusedWithoutConsuming);
  CPPUNIT_TEST(unitsAnotherInstanceGaveBackAreFoundWithinASecond);
  CPPUNIT_TEST(unlimitedQuotaNeverTouchesTheStore);
  CPPUNIT_TEST(givingBackRestoresTheStoredRemaining);
  CPPUNIT_TEST(dailyRefillRestartsTheCountAtMidnightUtc);
  CPPUNIT_TEST(refillPeriodsStartAtMidnightAndOnTheFirst);
  CPPUNIT_TEST(rateWindowAdmitsLimitThenWaitsForTheNextWindow);
  CPPUNIT_TEST(durationsParseAndFormat);
  CPPUNIT_TEST_SUITE_END();

 public:
  void quotaIsNeverOverServed() {
    FakeQuotaSource src;
    src.remaining["k1"] = 0;
    QuotaAccount a("k1");
    a.configure(keyWithQuota(5));
    src.remaining["k1"] = 5;
    int served = 0;
    for (int i = 0; i < 20; ++i) served += a.tryConsume(1, kNov21, src, 100) ? 1 : 0;
    CPPUNIT_ASSERT_EQUAL(5, served);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a.remaining(kNov21));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), src.remaining["k1"]);
  }

  void quotaLeasesABlockNotAUnitPerCall() {
    FakeQuotaSource src;
    src.remaining["k1"] = 1000;
    QuotaAccount a("k1");
    a.configure(keyWithQuota(1000));
    for (int i = 0; i < 250; ++i) CPPUNIT_ASSERT(a.tryConsume(1, kNov21, src, 100));
    CPPUNIT_ASSERT_EQUAL(3, src.leases);  // 100 + 100 + 100 units leased for 250 calls
    CPPUNIT_ASSERT_EQUAL(int64_t(750), a.remaining(kNov21));
    CPPUNIT_ASSERT_EQUAL(int64_t(700), src.remaining["k1"]);  // a crash strands at most 50
  }

  void costLargerThanTheRestIsRefusedWithoutConsuming() {
    FakeQuotaSource src;
    src.remaining["k1"] = 10;
    QuotaAccount a("k1");
    a.configure(keyWithQuota(10));
    CPPUNIT_ASSERT(a.tryConsume(7, kNov21, src, 4));
    CPPUNIT_ASSERT(!a.tryConsume(4, kNov21, src, 4));
    CPPUNIT_ASSERT_EQUAL(int64_t(3), a.remaining(kNov21));
    CPPUNIT_ASSERT(a.tryConsume(3, kNov21, src, 4));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), a.remaining(kNov21));
  }

  void unitsAnotherInstanceGaveBackAreFoundWithinASecond() {
    FakeQuotaSource src;
    src.remaining["k1"] = 10;
    QuotaAccount a("k1");
    a.configure(keyWithQuota(10));
    for (int i = 0; i < 10; ++i) CPPUNIT_ASSERT(a.tryConsume(1, kNov21, src, 10));
    CPPUNIT_ASSERT(!a.tryConsume(1, kNov21, src, 10));  // the store said 0 left a moment ago
    int asked = src.leases;
    src.remaining["k1"] = 4;  // another instance stopped and handed 4 units back
    CPPUNIT_ASSERT(!a.tryConsume(1, kNov21 + 500, src, 10));  // refused from memory...
    CPPUNIT_ASSERT_EQUAL(asked, src.leases);                  // ...without asking again
    CPPUNIT_ASSERT(a.tryConsume(1, kNov21 + 1000, src, 10));  // a second later: asks, finds 4
    CPPUNIT_ASSERT_EQUAL(int64_t(3), a.remaining(kNov21 + 1000));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), src.remaining["k1"]);  // never more than was there
  }

  void unlimitedQuotaNeverTouchesTheStore() {
    FakeQuotaSource src;
    QuotaAccount a("k1");
    a.configure(keyWithQuota(-1));
    for (int i = 0; i < 100; ++i) CPPUNIT_ASSERT(a.tryConsume(5, kNov21, src, 100));
    CPPUNIT_ASSERT_EQUAL(0, src.leases);
    CPPUNIT_ASSERT_EQUAL(int64_t(-1), a.remaining(kNov21));
  }

  void givingBackRestoresTheStoredRemaining() {
    FakeQuotaSource src;
    src.remaining["k1"] = 50;
    QuotaAccount a("k1");
    a.configure(keyWithQuota(50));
    CPPUNIT_ASSERT(a.tryConsume(1, kNov21, src, 20));
    CPPUNIT_ASSERT_EQUAL(int64_t(30), src.remaining["k1"]);
    a.giveBack(src);
    CPPUNIT_ASSERT_EQUAL(int64_t(49), src.remaining["k1"]);
    CPPUNIT_ASSERT_EQUAL(int64_t(49), a.remaining(kNov21));
  }

  void dailyRefillRestartsTheCountAtMidnightUtc() {
    FakeQuotaSource src;
    src.refillAmount = 3;
    src.remaining["k1"] = 3;
    src.period["k1"] = kNov21;
    Key k = keyWithQuota(3);
    k.refillInterval = RefillInterval::Daily;
    k.refillAmount = 3;
    k.refilledAt = kNov21;
    QuotaAccount a("k1");
    a.configure(k);
    int64_t noon = kNov21 + kDay / 2;
    int served = 0;
    for (int i = 0; i < 5; ++i) served += a.tryConsume(1, noon, src, 10) ? 1 : 0;
    CPPUNIT_ASSERT_EQUAL(3, served);
    CPPUNIT_ASSERT(!a.tryConsume(1, kNov21 + kDay - 1, src, 10));
    CPPUNIT_ASSERT_EQUAL(int64_t(3), a.remaining(kNov21 + kDay));
    served = 0;
    for (int i = 0; i < 5; ++i) served += a.tryConsume(1, kNov21 + kDay + 1, src, 10) ? 1 : 0;
    CPPUNIT_ASSERT_EQUAL(3, served);
  }

  void refillPeriodsStartAtMidnightAndOnTheFirst() {
    CPPUNIT_ASSERT_EQUAL(kNov21, RefillPeriod::startOf(RefillInterval::Daily, kNov21 + 5000));
    CPPUNIT_ASSERT_EQUAL(kNov21, RefillPeriod::startOf(RefillInterval::Daily, kNov21));
    const int64_t nov1 = kNov21 - 20 * kDay;
    CPPUNIT_ASSERT_EQUAL(nov1, RefillPeriod::startOf(RefillInterval::Monthly, kNov21 + 3600000));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), RefillPeriod::startOf(RefillInterval::None, kNov21));
  }

  void rateWindowAdmitsLimitThenWaitsForTheNextWindow() {
    RateWindow w;
    int64_t t = 1000000;
    for (int i = 0; i < 3; ++i) {
      CPPUNIT_ASSERT(w.fits(3, 1000, t + i));
      w.count(1000, t + i);
    }
    CPPUNIT_ASSERT(!w.fits(3, 1000, t + 10));
    CPPUNIT_ASSERT_EQUAL(int64_t(990), w.retryAfterMs(3, 1000, t + 10));
    CPPUNIT_ASSERT(!w.fits(3, 1000, t + 999));
    CPPUNIT_ASSERT(w.fits(3, 1000, t + 1000));
    CPPUNIT_ASSERT(RateWindow().fits(0, 0, t));  // no limit configured
  }

  void durationsParseAndFormat() {
    CPPUNIT_ASSERT_EQUAL(int64_t(90000), *Duration::parseMs("90s"));
    CPPUNIT_ASSERT_EQUAL(int64_t(900000), *Duration::parseMs("15m"));
    CPPUNIT_ASSERT_EQUAL(int64_t(172800000), *Duration::parseMs("48h"));
    CPPUNIT_ASSERT_EQUAL(int64_t(604800000), *Duration::parseMs("7d"));
    CPPUNIT_ASSERT_EQUAL(int64_t(250), *Duration::parseMs("250ms"));
    for (const char* bad : {"", "s", "0s", "-1s", "10", "10x", "1.5h", " 1s", "1s ", "+1s", "1S",
                            "1 s", "1sm", "0x10s", "00ms",
                            // Overflow is refused, never wrapped around: at most 100 years.
                            "99999999999999999d", "9223372036854775807ms", "9223372036854775808ms",
                            "106751991167d", "36501d", "876001h"})
      CPPUNIT_ASSERT_MESSAGE(bad, !Duration::parseMs(bad));
    CPPUNIT_ASSERT_EQUAL(Duration::kMaxMs, *Duration::parseMs("36500d"));
    CPPUNIT_ASSERT_EQUAL(Duration::kMaxMs, *Duration::parseMs("876000h"));
    CPPUNIT_ASSERT_EQUAL(std::string("7d"), Duration::format(604800000));
    CPPUNIT_ASSERT_EQUAL(std::string("90s"), Duration::format(90000));
    CPPUNIT_ASSERT_EQUAL(std::string("250ms"), Duration::format(250));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ArithmeticTest);
