#include <cppunit/extensions/HelperMacros.h>

#include <map>

#include "engine/base/ManualClock.h"
#include "engine/check/Verifier.h"
#include "engine/crypto/KeyCodec.h"
#include "engine/usage/UsageFlusher.h"
#include "engine/usage/UsageHistory.h"
#include "engine/usage/UsageRollup.h"
#include "tests/unit/support/FakeQuotaSource.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden::engine;
using keywarden::test::TempDir;

namespace {
const int64_t kMin = 60'000, kHour = 3'600'000, kDay = 86'400'000;
const int64_t kMidnight = 1795219200000;  // 2026-11-21T00:00:00Z
}  // namespace

// The usage history (issue 15): what the flusher writes into minute buckets, how a query
// reads minutes, hours and days, and how the retention job's roll-up and purge keep it.
class UsageHistoryTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(UsageHistoryTest);
  CPPUNIT_TEST(flushPutsOutcomesInTheMinuteOfTheFlush);
  CPPUNIT_TEST(hourAndDayBucketsSumTheMinutesBeforeAnyRollup);
  CPPUNIT_TEST(rollupCountsEachCheckOnceAndIsIdempotent);
  CPPUNIT_TEST(rollupLeavesTheUnsettledMinutesOfTheCurrentHour);
  CPPUNIT_TEST(purgeKeepsMinutesADayHoursThirtyDaysDaysForTheirRetention);
  CPPUNIT_TEST(clientSeriesSumsItsKeys);
  CPPUNIT_TEST(rangeDefaultsAlignmentAndErrors);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<TempDir>();
    store = keywarden::test::migratedStore(*dir, "OFF");
    clock = std::make_unique<ManualClock>(kMidnight + 10 * kHour);
    cache = std::make_unique<KeyCache>();
    cache->upsertClient(Client{"c1", "default", "Shop", "web", "", true, 0, 0});
    verifier = std::make_unique<Verifier>(*cache, source, *clock, 100);
    flusher = std::make_unique<UsageFlusher>(*cache, *store, 1000, *clock);
  }
  void tearDown() override {
    flusher.reset();
    store.reset();
    dir.reset();
  }

  std::string addKey(const std::string& id, std::vector<std::string> scopes = {}) {
    MintedKey m = KeyCodec::mint("kw");
    Key k;
    k.id = id;
    k.clientId = "c1";
    k.digest = m.digest;
    k.scopes = std::move(scopes);
    cache->upsertKey(k);
    return m.plaintext;
  }

  VerifyCode check(const std::string& key, const std::vector<std::string>* scopes = nullptr) {
    VerifyRequest r;
    r.key = key;
    r.scopes = scopes;
    return verifier->verify(r).code;
  }

  // counts of a series as start -> code -> n
  static std::map<int64_t, std::map<std::string, int64_t>> flat(const UsageSeries& s) {
    std::map<int64_t, std::map<std::string, int64_t>> out;
    for (const auto& b : s.buckets)
      for (const auto& [code, n] : b.counts) out[b.start][code] = n;
    return out;
  }

  UsageSeries read(const std::string& id, int64_t from, int64_t to, UsageGrain g,
                   bool client = false) {
    UsageSeries out;
    store->read([&](Transaction& tx) {
      out = UsageHistory::read(tx, client, id, UsageRange{from, to, g});
    });
    return out;
  }

  void addMinute(const std::string& key, int64_t start, const std::string& code, int64_t n,
                 const std::string& client = "c1") {
    store->write([&](Transaction& tx) {
      tx.usage().add(UsageGrain::Minute, {{key, client, "default", start, code, n}});
    });
  }

  void rollup(int64_t now, int64_t keepDays = 365 * kDay) {
    UsageRetention keep;
    keep.keepDaysMs = keepDays;
    store->write([&](Transaction& tx) { UsageRollup(keep).run(tx, now); });
  }

  void flushPutsOutcomesInTheMinuteOfTheFlush() {
    std::string k = addKey("k1", {"orders:read"});
    std::vector<std::string> billing = {"billing:write"};
    const int64_t t0 = kMidnight + 10 * kHour;
    clock->set(t0 + 59'500);  // 10:00:59.5
    CPPUNIT_ASSERT(check(k) == VerifyCode::Valid);
    CPPUNIT_ASSERT(check(k) == VerifyCode::Valid);
    CPPUNIT_ASSERT(check(k, &billing) == VerifyCode::Forbidden);
    CPPUNIT_ASSERT_EQUAL(size_t(1), flusher->flush());
    clock->set(t0 + kMin);  // 10:01:00.000
    CPPUNIT_ASSERT(check(k) == VerifyCode::Valid);
    flusher->flush();
    CPPUNIT_ASSERT_EQUAL(size_t(0), flusher->flush());  // nothing new: nothing written
    auto s = read("k1", t0, t0 + 3 * kMin, UsageGrain::Minute);
    CPPUNIT_ASSERT_EQUAL(size_t(3), s.buckets.size());  // zero-filled
    auto f = flat(s);
    CPPUNIT_ASSERT_EQUAL(int64_t(2), f[t0]["VALID"]);
    CPPUNIT_ASSERT_EQUAL(int64_t(1), f[t0]["FORBIDDEN"]);
    CPPUNIT_ASSERT_EQUAL(int64_t(1), f[t0 + kMin]["VALID"]);
    CPPUNIT_ASSERT_EQUAL(size_t(1), f[t0 + kMin].size());
    CPPUNIT_ASSERT(s.buckets[2].counts.empty());
    // A key never checked has an empty series.
    CPPUNIT_ASSERT(flat(read("k2", t0, t0 + 3 * kMin, UsageGrain::Minute)).empty());
  }

  void hourAndDayBucketsSumTheMinutesBeforeAnyRollup() {
    addMinute("k1", kMidnight + 10 * kHour, "VALID", 3);
    addMinute("k1", kMidnight + 10 * kHour + 59 * kMin, "VALID", 4);  // last minute of 10:00
    addMinute("k1", kMidnight + 11 * kHour, "VALID", 5);              // first of 11:00
    addMinute("k1", kMidnight + kDay, "EXPIRED", 6);                  // next day
    auto h = flat(read("k1", kMidnight, kMidnight + 2 * kDay, UsageGrain::Hour));
    CPPUNIT_ASSERT_EQUAL(int64_t(7), h[kMidnight + 10 * kHour]["VALID"]);
    CPPUNIT_ASSERT_EQUAL(int64_t(5), h[kMidnight + 11 * kHour]["VALID"]);
    CPPUNIT_ASSERT_EQUAL(int64_t(6), h[kMidnight + kDay]["EXPIRED"]);
    auto d = flat(read("k1", kMidnight, kMidnight + 2 * kDay, UsageGrain::Day));
    CPPUNIT_ASSERT_EQUAL(int64_t(12), d[kMidnight]["VALID"]);
    CPPUNIT_ASSERT_EQUAL(int64_t(6), d[kMidnight + kDay]["EXPIRED"]);
    CPPUNIT_ASSERT_EQUAL(size_t(2), d.size());
  }

  void rollupCountsEachCheckOnceAndIsIdempotent() {
    for (int h = 0; h < 48; ++h) addMinute("k1", kMidnight + h * kHour + 7 * kMin, "VALID", 1);
    addMinute("k1", kMidnight + 5 * kHour + 8 * kMin, "DISABLED", 2);
    auto before =
        std::make_pair(flat(read("k1", kMidnight, kMidnight + 3 * kDay, UsageGrain::Hour)),
                       flat(read("k1", kMidnight, kMidnight + 3 * kDay, UsageGrain::Day)));
    const int64_t now = kMidnight + 2 * kDay + 30 * kMin;  // 2 days and half an hour later
    rollup(now);
    rollup(now);  // again: nothing counted twice
    rollup(now + 10 * kMin);
    auto after = std::make_pair(flat(read("k1", kMidnight, kMidnight + 3 * kDay, UsageGrain::Hour)),
                                flat(read("k1", kMidnight, kMidnight + 3 * kDay, UsageGrain::Day)));
    CPPUNIT_ASSERT(before == after);
    CPPUNIT_ASSERT_EQUAL(int64_t(24), after.second[kMidnight]["VALID"]);
    CPPUNIT_ASSERT_EQUAL(int64_t(2), after.second[kMidnight]["DISABLED"]);
    // Checks flushed after the roll-up (this hour) still count at every grain.
    addMinute("k1", now, "VALID", 9);
    auto h = flat(read("k1", kMidnight, kMidnight + 3 * kDay, UsageGrain::Hour));
    CPPUNIT_ASSERT_EQUAL(int64_t(9), h[kMidnight + 2 * kDay]["VALID"]);
    auto d = flat(read("k1", kMidnight, kMidnight + 3 * kDay, UsageGrain::Day));
    CPPUNIT_ASSERT_EQUAL(int64_t(9), d[kMidnight + 2 * kDay]["VALID"]);
  }

  void rollupLeavesTheUnsettledMinutesOfTheCurrentHour() {
    // 11:02: the hour 10:00 closed only two minutes ago; a flush taken at 10:59 may still be
    // committing, so 10:00 is not rolled up yet — and a row landing now still counts.
    const int64_t now = kMidnight + 11 * kHour + 2 * kMin;
    addMinute("k1", kMidnight + 10 * kHour + 58 * kMin, "VALID", 1);
    rollup(now);
    addMinute("k1", kMidnight + 10 * kHour + 59 * kMin, "VALID", 1);  // late commit
    rollup(now + UsageRollup::kSettleMs);
    auto h = flat(read("k1", kMidnight, kMidnight + kDay, UsageGrain::Hour));
    CPPUNIT_ASSERT_EQUAL(int64_t(2), h[kMidnight + 10 * kHour]["VALID"]);
  }

  void purgeKeepsMinutesADayHoursThirtyDaysDaysForTheirRetention() {
    const int64_t t = kMidnight + 10 * kHour + 3 * kMin;
    addMinute("k1", t, "VALID", 5);
    rollup(t + kDay - kMin);  // not a day old yet: minutes kept
    CPPUNIT_ASSERT_EQUAL(int64_t(5), flat(read("k1", t, t + kMin, UsageGrain::Minute))[t]["VALID"]);
    rollup(t + kDay + kMin);  // over a day: minutes gone, hours and days keep the count
    CPPUNIT_ASSERT(flat(read("k1", t, t + kMin, UsageGrain::Minute)).empty());
    const int64_t hour = kMidnight + 10 * kHour;
    CPPUNIT_ASSERT_EQUAL(int64_t(5),
                         flat(read("k1", hour, hour + kHour, UsageGrain::Hour))[hour]["VALID"]);
    rollup(t + 30 * kDay - kHour);  // hours kept 30 days
    CPPUNIT_ASSERT_EQUAL(int64_t(5),
                         flat(read("k1", hour, hour + kHour, UsageGrain::Hour))[hour]["VALID"]);
    rollup(t + 30 * kDay + kHour, 40 * kDay);
    CPPUNIT_ASSERT(flat(read("k1", hour, hour + kHour, UsageGrain::Hour)).empty());
    CPPUNIT_ASSERT_EQUAL(int64_t(5), flat(read("k1", kMidnight, kMidnight + kDay,
                                               UsageGrain::Day))[kMidnight]["VALID"]);
    rollup(t + 40 * kDay + kHour, 40 * kDay);  // retention.usage over: day buckets go too
    CPPUNIT_ASSERT(flat(read("k1", kMidnight, kMidnight + kDay, UsageGrain::Day)).empty());
  }

  void clientSeriesSumsItsKeys() {
    const int64_t t = kMidnight + 10 * kHour;
    addMinute("k1", t, "VALID", 2);
    addMinute("k2", t, "VALID", 3);
    addMinute("k2", t + kMin, "RATE_LIMITED", 1);
    addMinute("k3", t, "VALID", 100, "other-client");
    auto f = flat(read("c1", t, t + 2 * kMin, UsageGrain::Minute, true));
    CPPUNIT_ASSERT_EQUAL(int64_t(5), f[t]["VALID"]);
    CPPUNIT_ASSERT_EQUAL(int64_t(1), f[t + kMin]["RATE_LIMITED"]);
  }

  void rangeDefaultsAlignmentAndErrors() {
    const int64_t now = kMidnight + 10 * kHour + 30 * kMin + 5;
    auto r = UsageHistory::range(std::nullopt, std::nullopt, std::nullopt, now);
    CPPUNIT_ASSERT(r.ok());
    CPPUNIT_ASSERT(r.value().grain == UsageGrain::Hour);         // 24 h: hours
    CPPUNIT_ASSERT_EQUAL(kMidnight + 11 * kHour, r.value().to);  // rounded up
    CPPUNIT_ASSERT_EQUAL(kMidnight + 11 * kHour - 25 * kHour, r.value().from);
    auto m = UsageHistory::range(now - kHour, now, std::nullopt, now);
    CPPUNIT_ASSERT(m.value().grain == UsageGrain::Minute);
    CPPUNIT_ASSERT_EQUAL(int64_t(61), (m.value().to - m.value().from) / kMin);
    auto d = UsageHistory::range(now - 90 * kDay, now, std::nullopt, now);
    CPPUNIT_ASSERT(d.value().grain == UsageGrain::Day);
    auto backwards = UsageHistory::range(now, now - 1, std::nullopt, now);
    CPPUNIT_ASSERT(!backwards.ok());
    CPPUNIT_ASSERT(backwards.error().kind == ErrorKind::Unprocessable);
    CPPUNIT_ASSERT_EQUAL(std::string("to"), backwards.error().field);
    auto big = UsageHistory::range(now - 2 * kDay, now, UsageGrain::Minute, now);
    CPPUNIT_ASSERT(!big.ok());
    CPPUNIT_ASSERT_EQUAL(std::string("from"), big.error().field);
    // A day of minutes from any instant (1441 buckets once rounded), not a minute more.
    auto day = UsageHistory::range(now - kDay, now, UsageGrain::Minute, now);
    CPPUNIT_ASSERT(day.ok());
    CPPUNIT_ASSERT_EQUAL(int64_t(1441), (day.value().to - day.value().from) / kMin);
    CPPUNIT_ASSERT(!UsageHistory::range(now - kDay - 1, now, UsageGrain::Minute, now).ok());
    CPPUNIT_ASSERT(UsageHistory::parseGrain("hour") == UsageGrain::Hour);
    CPPUNIT_ASSERT(!UsageHistory::parseGrain("Hour"));
    CPPUNIT_ASSERT(!UsageHistory::parseGrain(""));
  }

  std::unique_ptr<TempDir> dir;
  std::unique_ptr<keywarden::store::SqlStore> store;
  std::unique_ptr<ManualClock> clock;
  std::unique_ptr<KeyCache> cache;
  FakeQuotaSource source;
  std::unique_ptr<Verifier> verifier;
  std::unique_ptr<UsageFlusher> flusher;
};

CPPUNIT_TEST_SUITE_REGISTRATION(UsageHistoryTest);
