#include <cppunit/extensions/HelperMacros.h>

#include <map>

#include "engine/base/ManualClock.h"
#include "engine/check/Verifier.h"
#include "engine/crypto/KeyCodec.h"
#include "tests/unit/support/FakeQuotaSource.h"

using namespace keywarden::engine;

namespace {
const int64_t kNow = 1795219200000;  // 2026-11-21T00:00:00Z
}

// A changed limit applies to the next check, including units already leased (issue 10 §3):
// the cache and the quota accounts alone, with a fake store (FakeQuotaSource plays the keys
// table: what KeyService writes there is written to it by hand) and a manual clock.
class LimitChangeUnitTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(LimitChangeUnitTest);
  CPPUNIT_TEST(loweredQuotaStopsServingLeasedUnitsAtOnce);
  CPPUNIT_TEST(raisedQuotaCountsLeasedUnitsAndGrowsAtOnce);
  CPPUNIT_TEST(quotaTurnedUnlimitedAndBackDropsTheOldLease);
  CPPUNIT_TEST(refillChangedHandsTheLeaseBack);
  CPPUNIT_TEST(rateLimitLoweredRaisedAndRemovedApplyToTheNextCheck);
  CPPUNIT_TEST(narrowedGrantsAndEarlierExpiryApplyToTheNextCheck);
  CPPUNIT_TEST(rotationMovesLeasedUnitsToTheSuccessor);
  CPPUNIT_TEST(rotationArrivingBeforeTheSuccessorNeverServesUnlimited);
  CPPUNIT_TEST(aCheckHoldingTheOldAccountIsServedByTheSuccessor);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    clock = std::make_unique<ManualClock>(kNow);
    cache = std::make_unique<KeyCache>();
    verifier = std::make_unique<Verifier>(*cache, source, *clock, 100);
    cache->upsertClient(Client{"c1", "default", "Shop", "web", "", true, 0, 0});
  }

  // Adds key `id` with `quota`; returns its plaintext.
  std::string add(Key& k, const std::string& id, int64_t quota) {
    MintedKey m = KeyCodec::mint("kw");
    k.id = id;
    k.clientId = "c1";
    k.digest = m.digest;
    k.quota = quota;
    k.remaining = quota;
    k.version = 1;
    source.remaining[id] = quota;
    cache->upsertKey(k);
    return m.plaintext;
  }
  // What KeyService::modifyIn does to the store and the cache when the quota changes.
  void changeQuota(Key& k, int64_t quota) {
    source.remaining[k.id] += quota - k.quota;
    k.quota = quota;
    k.remaining = source.remaining[k.id];
    ++k.version;
    cache->upsertKey(k);
  }
  VerifyResult call(const std::string& key, int64_t cost = 1) {
    VerifyRequest r;
    r.key = key;
    r.cost = cost;
    return verifier->verify(r);
  }
  bool valid(const std::string& key) { return call(key).code == VerifyCode::Valid; }
  int validUntilRefused(const std::string& key) {
    int n = 0;
    while (n < 10000 && valid(key)) ++n;
    return n;
  }
  int64_t remaining(const std::string& key) { return call(key, 0).remaining; }

  void loweredQuotaStopsServingLeasedUnitsAtOnce() {
    Key k;
    std::string key = add(k, "k1", 1000);
    CPPUNIT_ASSERT(valid(key));
    CPPUNIT_ASSERT_EQUAL(int64_t(900), source.remaining["k1"]);  // 99 leased here
    changeQuota(k, 10);
    CPPUNIT_ASSERT_EQUAL(int64_t(-90), source.remaining["k1"]);  // leased beyond the new quota
    CPPUNIT_ASSERT_EQUAL(int64_t(9), remaining(key));
    CPPUNIT_ASSERT_EQUAL(9, validUntilRefused(key));
    CPPUNIT_ASSERT_EQUAL(int64_t(99), source.returned);  // handed back with the next lease
    CPPUNIT_ASSERT_EQUAL(int64_t(0), source.remaining["k1"]);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), remaining(key));
  }

  void raisedQuotaCountsLeasedUnitsAndGrowsAtOnce() {
    Key k;
    std::string key = add(k, "k1", 5);
    CPPUNIT_ASSERT_EQUAL(5, validUntilRefused(key));
    changeQuota(k, 8);
    CPPUNIT_ASSERT_EQUAL(int64_t(3), remaining(key));  // within the second refusals wait
    CPPUNIT_ASSERT_EQUAL(3, validUntilRefused(key));
    changeQuota(k, 300);
    CPPUNIT_ASSERT(valid(key));
    changeQuota(k, 400);  // 99 leased here stay counted: none lost, none doubled
    CPPUNIT_ASSERT_EQUAL(int64_t(391), remaining(key));
    CPPUNIT_ASSERT_EQUAL(391, validUntilRefused(key));
  }

  void quotaTurnedUnlimitedAndBackDropsTheOldLease() {
    Key k;
    std::string key = add(k, "k1", 100);
    CPPUNIT_ASSERT(valid(key));  // 99 leased
    // restartQuota: the count restarts and refilled_at moves on.
    k.quota = -1;
    k.remaining = -1;
    k.refilledAt = kNow;
    source.period["k1"] = kNow;
    ++k.version;
    cache->upsertKey(k);
    CPPUNIT_ASSERT_EQUAL(int64_t(-1), remaining(key));
    CPPUNIT_ASSERT_EQUAL(10000, validUntilRefused(key));
    k.quota = 5;
    k.remaining = 5;
    k.refilledAt = kNow + 1;
    source.period["k1"] = kNow + 1;
    source.remaining["k1"] = 5;
    ++k.version;
    cache->upsertKey(k);
    CPPUNIT_ASSERT_EQUAL(int64_t(5), remaining(key));
    CPPUNIT_ASSERT_EQUAL(5, validUntilRefused(key));  // not 5 + the 99 leased before
    CPPUNIT_ASSERT_EQUAL(int64_t(0), source.returned);
  }

  void refillChangedHandsTheLeaseBack() {
    Key k;
    k.refillInterval = RefillInterval::Daily;
    k.refillAmount = 500;
    k.refilledAt = kNow;  // midnight
    std::string key = add(k, "k1", 500);
    source.period["k1"] = kNow;
    source.refillAmount = 500;
    CPPUNIT_ASSERT(valid(key));
    k.refillAmount = 20;
    ++k.version;
    cache->upsertKey(k);
    CPPUNIT_ASSERT(valid(key));
    CPPUNIT_ASSERT_EQUAL(int64_t(99), source.returned);
    // The next day restarts at the new amount.
    clock->set(kNow + 86400000);
    source.refillAmount = 20;
    CPPUNIT_ASSERT_EQUAL(20, validUntilRefused(key));
  }

  void rateLimitLoweredRaisedAndRemovedApplyToTheNextCheck() {
    Key k;
    k.rateLimit = 10;
    k.rateWindowMs = 60000;
    std::string key = add(k, "k1", -1);
    for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT(valid(key));
    k.rateLimit = 3;  // 5 counted in this window already
    ++k.version;
    cache->upsertKey(k);
    CPPUNIT_ASSERT(call(key).code == VerifyCode::RateLimited);
    k.rateLimit = 7;
    ++k.version;
    cache->upsertKey(k);
    CPPUNIT_ASSERT_EQUAL(2, validUntilRefused(key));
    k.rateWindowMs = 1000;  // a shorter window ends sooner
    ++k.version;
    cache->upsertKey(k);
    clock->advance(1000);
    CPPUNIT_ASSERT_EQUAL(7, validUntilRefused(key));
    k.rateLimit = 0;
    k.rateWindowMs = 0;
    ++k.version;
    cache->upsertKey(k);
    CPPUNIT_ASSERT_EQUAL(10000, validUntilRefused(key));
    k.rateLimit = 2;  // set again: a fresh window
    k.rateWindowMs = 60000;
    ++k.version;
    cache->upsertKey(k);
    CPPUNIT_ASSERT_EQUAL(2, validUntilRefused(key));
  }

  void narrowedGrantsAndEarlierExpiryApplyToTheNextCheck() {
    Key k;
    k.scopes = {"orders:read", "orders:write"};
    std::string key = add(k, "k1", -1);
    std::vector<std::string> write{"orders:write"};
    VerifyRequest r;
    r.key = key;
    r.scopes = &write;
    CPPUNIT_ASSERT(verifier->verify(r).code == VerifyCode::Valid);
    k.scopes = {"orders:read"};
    ++k.version;
    cache->upsertKey(k);
    CPPUNIT_ASSERT(verifier->verify(r).code == VerifyCode::Forbidden);
    k.expiresAt = kNow + 10;
    ++k.version;
    cache->upsertKey(k);
    CPPUNIT_ASSERT(valid(key));
    clock->advance(10);
    CPPUNIT_ASSERT(call(key).code == VerifyCode::Expired);
  }

  // What KeyService::rotate does: the successor's row takes the whole stored remaining, the
  // old row draws from the successor.
  Key rotate(Key& old, const std::string& newId, std::string& newKey, bool successorFirst = true) {
    MintedKey m = KeyCodec::mint("kw");
    Key n = old;
    n.id = newId;
    n.digest = m.digest;
    n.version = 1;
    n.remaining = source.remaining[old.id];
    source.remaining[newId] = n.remaining;
    source.remaining[old.id] = 0;
    old.quotaKeyId = newId;
    ++old.version;
    if (successorFirst) cache->upsertKey(n);
    cache->upsertKey(old);
    if (!successorFirst) cache->upsertKey(n);
    newKey = m.plaintext;
    return n;
  }

  void rotationMovesLeasedUnitsToTheSuccessor() {
    Key k;
    std::string oldKey = add(k, "k1", 200);
    CPPUNIT_ASSERT(valid(oldKey));  // 99 leased here, 100 in the store
    std::string newKey;
    rotate(k, "k2", newKey);
    CPPUNIT_ASSERT_EQUAL(int64_t(199), remaining(newKey));
    CPPUNIT_ASSERT_EQUAL(int64_t(199), remaining(oldKey));  // one count for both
    int served = 0;
    for (int i = 0; i < 300; ++i) served += valid(i % 2 ? oldKey : newKey) ? 1 : 0;
    CPPUNIT_ASSERT_EQUAL(199, served);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), source.remaining["k1"]);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), source.remaining["k2"]);
  }

  void rotationArrivingBeforeTheSuccessorNeverServesUnlimited() {
    Key k;
    std::string oldKey = add(k, "k1", 3);
    CPPUNIT_ASSERT(valid(oldKey));
    // Only the old key's new definition has arrived (another instance's change feed).
    k.quotaKeyId = "k2";
    ++k.version;
    source.remaining["k2"] = source.remaining["k1"];
    source.remaining["k1"] = 0;
    cache->upsertKey(k);
    CPPUNIT_ASSERT_EQUAL(2, validUntilRefused(oldKey));
  }

  void aCheckHoldingTheOldAccountIsServedByTheSuccessor() {
    Key k;
    std::string oldKey = add(k, "k1", 50);
    CPPUNIT_ASSERT(valid(oldKey));  // 49 leased here, 0 left in the store
    QuotaAccount* held = nullptr;
    {
      KeyCache::View v(*cache);
      uint32_t slot = v.findId("k1");
      std::lock_guard<std::mutex> lock(v.stripe(slot));
      held = v.entry(slot).quota;
    }
    std::string newKey;
    rotate(k, "k2", newKey);
    // The successor holds the 49 units: 20 through the new key, the rest through a check
    // that still holds the old account.
    for (int i = 0; i < 20; ++i) CPPUNIT_ASSERT(valid(newKey));
    int served = 0;
    for (int i = 0; i < 100; ++i) served += held->tryConsume(1, kNow, source, 100) ? 1 : 0;
    CPPUNIT_ASSERT_EQUAL(29, served);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), held->remaining(kNow));
    CPPUNIT_ASSERT(call(newKey).code == VerifyCode::UsageExceeded);
  }

  FakeQuotaSource source;
  std::unique_ptr<ManualClock> clock;
  std::unique_ptr<KeyCache> cache;
  std::unique_ptr<Verifier> verifier;
};

CPPUNIT_TEST_SUITE_REGISTRATION(LimitChangeUnitTest);
