// A modify application's refill, rateLimit and effectiveAt changes on a real SQLite store, the
// real cache, verifier and scheduler, with a manual clock: when a changed refill refills, and
// that a moved start replans the key's activation (issue 10 §3).
#include <cppunit/extensions/HelperMacros.h>

#include "engine/base/ManualClock.h"
#include "engine/catalog/CatalogService.h"
#include "engine/check/StoreQuotaSource.h"
#include "engine/check/Verifier.h"
#include "engine/jobs/JobRunners.h"
#include "engine/jobs/Scheduler.h"
#include "engine/keys/KeyService.h"
#include "mail/TemplateSet.h"
#include "store/SqlStore.h"
#include "tests/support/TempDir.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;
using namespace keywarden::engine;

namespace {
const int64_t kT0 = 1795219200000;  // 2026-11-21T00:00:00Z, a Saturday
const int64_t kHour = 3600000;
const int64_t kDay = 24 * kHour;
const int64_t kDec1 = 1796083200000;  // 2026-12-01T00:00:00Z
}  // namespace

class ModifyLimitsUnitTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ModifyLimitsUnitTest);
  CPPUNIT_TEST(refillAddedKeepsTheCountAndRefillsAtTheNextMidnight);
  CPPUNIT_TEST(refillAddedHandsTheLeasedUnitsBack);
  CPPUNIT_TEST(refillDailyToMonthlyRefillsAtTheMonthStartOnly);
  CPPUNIT_TEST(refillIntervalChangedAfterAMidnightKeepsThatDaysRefill);
  CPPUNIT_TEST(refillAmountChangedAppliesFromTheNextRefill);
  CPPUNIT_TEST(refillRemovedKeepsTheCountAndNeverRefills);
  CPPUNIT_TEST(rateLimitLoweredCountsTheCallsOfTheCurrentWindow);
  CPPUNIT_TEST(effectiveAtMovedLaterActivatesAtTheNewTimeOnly);
  CPPUNIT_TEST(effectiveAtOfAnActiveKeyIsAConflict);
  CPPUNIT_TEST(rotatedAwayKeyRefusesARefillChange);
  CPPUNIT_TEST(approversReadTheLimitChangesInTheMailAndOnThePage);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>("kwmodlim");
    store = test::migratedStore(*dir);
    clock = std::make_unique<ManualClock>(kT0 + 12 * kHour);
    catalog = std::make_unique<CatalogService>(*store, cache, *clock);
    keys = std::make_unique<KeyService>(*store, cache, *clock, "kw", nullptr, 2 * kDay);
    source = std::make_unique<StoreQuotaSource>(*store);
    verifier = std::make_unique<Verifier>(cache, *source, *clock, 100);
    scheduler = std::make_unique<Scheduler>(*store, *clock, 50);
    JobRunners::keys(*scheduler, *keys);
    admin.tokenId = "t";
    admin.role = Role::Admin;
    Client c;
    c.id = "c1";
    c.name = "Shop";
    c.contactEmail = "owner@example.com";
    CPPUNIT_ASSERT(catalog->createClient(admin, c));
  }

  // Issues a key; returns {id, plaintext}.
  std::pair<std::string, std::string> issue(const KeySpec& in) {
    KeySpec s = in;
    s.clientId = "c1";
    s.name = "k";
    auto r = keys->issue(admin, s);
    CPPUNIT_ASSERT_MESSAGE(r ? "" : r.error().message, r);
    return {r.value().key.id, r.value().plaintext};
  }
  KeySpec quota(int64_t q, int64_t refill = 0, RefillInterval i = RefillInterval::None) {
    KeySpec s;
    s.quota = q;
    s.refillAmount = refill;
    s.refillInterval = i;
    return s;
  }
  Result<Key> modify(const std::string& id, const KeyChanges& c) {
    std::optional<Result<Key>> out;
    store->write([&](Transaction& tx) { out = keys->modifyIn(tx, admin, id, c, clock->nowMs()); });
    return std::move(*out);
  }
  void modified(const std::string& id, const KeyChanges& c) {
    auto r = modify(id, c);
    CPPUNIT_ASSERT_MESSAGE(r ? "" : r.error().message, r);
  }
  VerifyCode code(const std::string& key) {
    VerifyRequest r;
    r.key = key;
    return verifier->verify(r).code;
  }
  bool valid(const std::string& key) { return code(key) == VerifyCode::Valid; }
  int validUntilRefused(const std::string& key) {
    int n = 0;
    while (n < 1000 && valid(key)) ++n;
    return n;
  }
  Key get(const std::string& id) {
    auto r = keys->get(admin, id);
    CPPUNIT_ASSERT(r);
    return r.value();
  }
  KeyState stored(const std::string& id) {
    std::optional<Key> k;
    store->read([&](Transaction& tx) { k = tx.keys().find(id); });
    return k->state;
  }
  static KeyChanges refill(int64_t amount, RefillInterval i) {
    KeyChanges c;
    c.refill = RefillChange{amount, i};
    return c;
  }

  void refillAddedKeepsTheCountAndRefillsAtTheNextMidnight() {
    auto idKeyPair = issue(quota(10));
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT(valid(key));
    modified(id, refill(50, RefillInterval::Daily));
    CPPUNIT_ASSERT_EQUAL(int64_t(7), get(id).remaining);  // not a refill at once
    CPPUNIT_ASSERT_EQUAL(7, validUntilRefused(key));
    clock->set(kT0 + kDay - 1);
    CPPUNIT_ASSERT(!valid(key));
    clock->set(kT0 + kDay);  // the next UTC midnight
    CPPUNIT_ASSERT_EQUAL(int64_t(50), get(id).remaining);
    CPPUNIT_ASSERT_EQUAL(50, validUntilRefused(key));
  }

  // 100 units leased by the first call: the relabelled count takes them back, none lost.
  void refillAddedHandsTheLeasedUnitsBack() {
    auto idKeyPair = issue(quota(1000));
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT(valid(key));
    modified(id, refill(5, RefillInterval::Daily));
    CPPUNIT_ASSERT_EQUAL(int64_t(999), get(id).remaining);
    CPPUNIT_ASSERT(valid(key));
    CPPUNIT_ASSERT_EQUAL(int64_t(998), get(id).remaining);
  }

  void refillDailyToMonthlyRefillsAtTheMonthStartOnly() {
    auto idKeyPair = issue(quota(10, 10, RefillInterval::Daily));
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT(valid(key));
    CPPUNIT_ASSERT(valid(key));
    modified(id, refill(20, RefillInterval::Monthly));
    CPPUNIT_ASSERT_EQUAL(int64_t(8), get(id).remaining);
    clock->set(kT0 + kDay);  // no daily refill any more
    CPPUNIT_ASSERT_EQUAL(int64_t(8), get(id).remaining);
    CPPUNIT_ASSERT_EQUAL(8, validUntilRefused(key));
    clock->set(kDec1);
    CPPUNIT_ASSERT_EQUAL(int64_t(20), get(id).remaining);
    CPPUNIT_ASSERT_EQUAL(20, validUntilRefused(key));
  }

  // Used up on day one; on day two, before any call, the refill turns monthly: day two's
  // refill (owed, not yet stored) is the count that goes on.
  void refillIntervalChangedAfterAMidnightKeepsThatDaysRefill() {
    auto idKeyPair = issue(quota(10, 10, RefillInterval::Daily));
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT_EQUAL(10, validUntilRefused(key));
    clock->set(kT0 + kDay + kHour);
    CPPUNIT_ASSERT_EQUAL(int64_t(10), get(id).remaining);
    modified(id, refill(30, RefillInterval::Monthly));
    CPPUNIT_ASSERT_EQUAL(int64_t(10), get(id).remaining);
    CPPUNIT_ASSERT_EQUAL(10, validUntilRefused(key));
    clock->set(kT0 + 2 * kDay);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), get(id).remaining);
    clock->set(kDec1);
    CPPUNIT_ASSERT_EQUAL(int64_t(30), get(id).remaining);
    // The same when the refill is removed after a midnight.
    auto id2Key2Pair = issue(quota(5, 5, RefillInterval::Daily));
    [[maybe_unused]] auto& id2 = id2Key2Pair.first;
    [[maybe_unused]] auto& key2 = id2Key2Pair.second;
    CPPUNIT_ASSERT_EQUAL(5, validUntilRefused(key2));
    clock->set(kDec1 + kDay);
    modified(id2, refill(0, RefillInterval::None));
    CPPUNIT_ASSERT_EQUAL(int64_t(5), get(id2).remaining);
    CPPUNIT_ASSERT_EQUAL(5, validUntilRefused(key2));
    clock->set(kDec1 + 5 * kDay);
    CPPUNIT_ASSERT(!valid(key2));
  }

  void refillAmountChangedAppliesFromTheNextRefill() {
    auto idKeyPair = issue(quota(100, 100, RefillInterval::Daily));
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT(valid(key));
    modified(id, refill(3, RefillInterval::Daily));
    CPPUNIT_ASSERT_EQUAL(int64_t(99), get(id).remaining);
    CPPUNIT_ASSERT(valid(key));
    CPPUNIT_ASSERT_EQUAL(int64_t(98), get(id).remaining);
    clock->set(kT0 + kDay);
    CPPUNIT_ASSERT_EQUAL(int64_t(3), get(id).remaining);
    CPPUNIT_ASSERT_EQUAL(3, validUntilRefused(key));
  }

  void refillRemovedKeepsTheCountAndNeverRefills() {
    auto idKeyPair = issue(quota(10, 10, RefillInterval::Daily));
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT(valid(key));
    modified(id, refill(0, RefillInterval::None));
    Key k = get(id);
    CPPUNIT_ASSERT(k.refillInterval == RefillInterval::None);
    CPPUNIT_ASSERT_EQUAL(int64_t(9), k.remaining);
    CPPUNIT_ASSERT_EQUAL(9, validUntilRefused(key));
    clock->set(kT0 + 3 * kDay);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), get(id).remaining);
    CPPUNIT_ASSERT(!valid(key));
  }

  void rateLimitLoweredCountsTheCallsOfTheCurrentWindow() {
    KeySpec s;
    s.rateLimit = 100;
    s.rateWindowMs = 60000;
    auto idKeyPair = issue(s);
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT(valid(key));
    KeyChanges c;
    c.rateLimit = RateLimitChange{2, 60000};
    modified(id, c);
    CPPUNIT_ASSERT(valid(key));
    CPPUNIT_ASSERT(code(key) == VerifyCode::RateLimited);
    clock->advance(60000);
    CPPUNIT_ASSERT(valid(key));
    c.rateLimit = RateLimitChange{};  // removed
    modified(id, c);
    for (int i = 0; i < 50; ++i) CPPUNIT_ASSERT(valid(key));
  }

  void effectiveAtMovedLaterActivatesAtTheNewTimeOnly() {
    KeySpec s;
    s.effectiveAt = kT0 + 13 * kHour;
    auto idKeyPair = issue(s);
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT(code(key) == VerifyCode::NotYetActive);
    KeyChanges c;
    c.effectiveAt = kT0 + 15 * kHour;
    modified(id, c);
    clock->set(kT0 + 13 * kHour + 1);
    scheduler->runDue();
    CPPUNIT_ASSERT(stored(id) == KeyState::Scheduled);  // the old activation was cancelled
    CPPUNIT_ASSERT(code(key) == VerifyCode::NotYetActive);
    clock->set(kT0 + 15 * kHour);
    scheduler->runDue();
    CPPUNIT_ASSERT(stored(id) == KeyState::Active);
    CPPUNIT_ASSERT(valid(key));
  }

  void effectiveAtOfAnActiveKeyIsAConflict() {
    auto idKeyPair = issue(KeySpec{});
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    KeyChanges c;
    c.effectiveAt = kT0 + 20 * kHour;
    auto r = modify(id, c);
    CPPUNIT_ASSERT(!r);
    CPPUNIT_ASSERT(r.error().kind == ErrorKind::Conflict);
    CPPUNIT_ASSERT_EQUAL(std::string("effectiveAt"), r.error().field);
    CPPUNIT_ASSERT(stored(id) == KeyState::Active);
    CPPUNIT_ASSERT(valid(key));
  }

  void rotatedAwayKeyRefusesARefillChange() {
    auto idKeyPair = issue(quota(10));
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT(keys->rotate(admin, id, 3600));
    auto r = modify(id, refill(5, RefillInterval::Daily));
    CPPUNIT_ASSERT(!r);
    CPPUNIT_ASSERT(r.error().kind == ErrorKind::Conflict);
    CPPUNIT_ASSERT_EQUAL(std::string("refill"), r.error().field);
  }

  // The approval mail and page list refill and rate-limit changes on a "Limits" line, and
  // leave the line out when an application changes neither.
  void approversReadTheLimitChangesInTheMailAndOnThePage() {
    KeyChanges c;
    CPPUNIT_ASSERT_EQUAL(std::string(""), c.limitsText());
    c.refill = RefillChange{50, RefillInterval::Daily};
    c.rateLimit = RateLimitChange{2, 60000};
    CPPUNIT_ASSERT_EQUAL(std::string("refill 50 a day, rate limit 2 per 1m"), c.limitsText());
    c.refill = RefillChange{};
    c.rateLimit = RateLimitChange{};
    CPPUNIT_ASSERT_EQUAL(std::string("refill removed, rate limit removed"), c.limitsText());
    c.refill = RefillChange{7, RefillInterval::Monthly};
    c.rateLimit.reset();
    CPPUNIT_ASSERT_EQUAL(std::string("refill 7 a month"), c.limitsText());

    mail::TemplateSet templates(std::string(KEYWARDEN_SOURCE_DIR) + "/templates");
    for (const char* event : {"approval-requested", "application-approved"}) {
      auto with = templates.renderMail(
          event, R"({"number":"KU-1","quota":"10 calls","limitsText":"refill 7 a month"})");
      CPPUNIT_ASSERT_MESSAGE(
          with.text, with.text.find("Limits:       refill 7 a month\n") != std::string::npos);
      CPPUNIT_ASSERT_MESSAGE(with.html, with.html.find("refill 7 a month") != std::string::npos);
      auto without = templates.renderMail(event, R"({"number":"KU-1","quota":"10 calls"})");
      CPPUNIT_ASSERT_MESSAGE(without.text, without.text.find("Limits") == std::string::npos);
      CPPUNIT_ASSERT_MESSAGE(without.html, without.html.find("Limits") == std::string::npos);
    }
    std::string page = templates.renderPage(
        "approval", R"({"number":"KU-1","quota":"10 calls","limitsText":"refill 7 a month"})");
    CPPUNIT_ASSERT_MESSAGE(
        page, page.find("<b>Limits</b></td><td>refill 7 a month") != std::string::npos);
    page = templates.renderPage("approval", R"({"number":"KU-1","quota":"10 calls"})");
    CPPUNIT_ASSERT_MESSAGE(page, page.find("Limits") == std::string::npos);
  }

  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
  std::unique_ptr<ManualClock> clock;
  KeyCache cache;
  std::unique_ptr<CatalogService> catalog;
  std::unique_ptr<KeyService> keys;
  std::unique_ptr<StoreQuotaSource> source;
  std::unique_ptr<Verifier> verifier;
  std::unique_ptr<Scheduler> scheduler;
  Principal admin;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ModifyLimitsUnitTest);
