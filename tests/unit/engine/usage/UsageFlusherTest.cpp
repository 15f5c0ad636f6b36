#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>

#include "engine/base/ManualClock.h"
#include "engine/check/Verifier.h"
#include "engine/crypto/KeyCodec.h"
#include "engine/usage/UsageFlusher.h"
#include "engine/usage/UsageHistory.h"
#include "tests/unit/support/FakeQuotaSource.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden::engine;
using keywarden::test::TempDir;

namespace {
const int64_t kMin = 60'000;
const int64_t kNow = 1795219200000 + 36'000'000;  // 2026-11-21T10:00:00Z

// The real store, except that the write numbered `failAt` (1-based) throws before it starts:
// a lost database, or a crash, between two chunks of one flush.
class FailingStore : public Store {
 public:
  explicit FailingStore(Store& real) : _real(real) {}
  using Store::write;
  void write(const std::function<void(Transaction&)>& fn) override {
    if (++writes == failAt) throw std::runtime_error("the database went away");
    _real.write(fn);
  }
  void read(const std::function<void(Transaction&)>& fn) override { _real.read(fn); }
  bool ping() override { return _real.ping(); }
  int writes = 0, failAt = 0;

 private:
  Store& _real;
};
}  // namespace

// The usage flusher writes in chunks (issue 15): a bounded number of keys per transaction, so a
// flush of many busy keys never holds them all at once, and each check is counted exactly once
// however the chunks end.
class UsageFlusherTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(UsageFlusherTest);
  CPPUNIT_TEST(aFlushWritesAtMostChunkKeysPerTransaction);
  CPPUNIT_TEST(aFailureBetweenChunksKeepsTheCommittedOnesAndCountsTheRestOnceLater);
  CPPUNIT_TEST(chunksTakeTheKeysMarkedLongestAgoFirst);
  CPPUNIT_TEST_SUITE_END();

 public:
  static constexpr int kKeys = 25, kChecks = 3;

  void setUp() override {
    dir = std::make_unique<TempDir>();
    store = keywarden::test::migratedStore(*dir, "OFF");
    failing = std::make_unique<FailingStore>(*store);
    clock = std::make_unique<ManualClock>(kNow);
    cache = std::make_unique<KeyCache>();
    cache->upsertClient(Client{"c1", "default", "Shop", "web", "", true, 0, 0});
    verifier = std::make_unique<Verifier>(*cache, source, *clock, 100);
    for (int i = 0; i < kKeys; ++i) {
      MintedKey m = KeyCodec::mint("kw");
      Key k;
      k.id = "k" + std::to_string(i);
      k.clientId = "c1";
      k.digest = m.digest;
      cache->upsertKey(k);
      VerifyRequest r;
      r.key = m.plaintext;
      plaintexts.push_back(m.plaintext);
      for (int c = 0; c < kChecks; ++c)
        CPPUNIT_ASSERT(verifier->verify(r).code == VerifyCode::Valid);
    }
  }
  void tearDown() override {
    verifier.reset();
    cache.reset();
    failing.reset();
    store.reset();
    dir.reset();
  }

  // VALID checks in the store's minute buckets, over every key.
  int64_t stored() {
    int64_t n = 0;
    store->read([&](Transaction& tx) {
      for (int i = 0; i < kKeys; ++i) {
        auto s = UsageHistory::read(tx, false, "k" + std::to_string(i),
                                    UsageRange{kNow, kNow + kMin, UsageGrain::Minute});
        for (const auto& b : s.buckets)
          for (const auto& [code, c] : b.counts) n += c;
      }
    });
    return n;
  }

  void aFlushWritesAtMostChunkKeysPerTransaction() {
    UsageFlusher flusher(*cache, *failing, 1000, *clock, 10);
    CPPUNIT_ASSERT_EQUAL(size_t(kKeys), flusher.flush());
    CPPUNIT_ASSERT_EQUAL(uint64_t(3), flusher.chunks());  // 10 + 10 + 5
    CPPUNIT_ASSERT_EQUAL(3, failing->writes);
    CPPUNIT_ASSERT_EQUAL(int64_t(kKeys * kChecks), stored());
    CPPUNIT_ASSERT_EQUAL(size_t(0), flusher.flush());  // nothing left: no empty transaction
    CPPUNIT_ASSERT_EQUAL(3, failing->writes);
  }

  void aFailureBetweenChunksKeepsTheCommittedOnesAndCountsTheRestOnceLater() {
    UsageFlusher flusher(*cache, *failing, 1000, *clock, 10);
    failing->failAt = 2;
    CPPUNIT_ASSERT_EQUAL(size_t(10), flusher.flush());  // the first chunk only
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), flusher.chunks());
    CPPUNIT_ASSERT_EQUAL(int64_t(10 * kChecks), stored());  // committed, nothing more
    // The next flush writes the put-back chunk and the one never taken, each once.
    CPPUNIT_ASSERT_EQUAL(size_t(kKeys - 10), flusher.flush());
    CPPUNIT_ASSERT_EQUAL(int64_t(kKeys * kChecks), stored());
    CPPUNIT_ASSERT_EQUAL(size_t(0), flusher.flush());
    CPPUNIT_ASSERT_EQUAL(int64_t(kKeys * kChecks), stored());
  }

  // Under steady load the keys of a chunk are checked again at once and marked again: they
  // must queue behind the keys still waiting, or those would wait for ever.
  void chunksTakeTheKeysMarkedLongestAgoFirst() {
    auto ids = [](const std::vector<UsageDelta>& d) {
      std::string out;
      for (const auto& x : d) out += x.keyId + " ";
      return out;
    };
    CPPUNIT_ASSERT_EQUAL(std::string("k0 k1 k2 "), ids(cache->takeUsage(3)));
    VerifyRequest again;
    again.key = plaintexts[0];
    CPPUNIT_ASSERT(verifier->verify(again).code == VerifyCode::Valid);  // k0 marked anew
    CPPUNIT_ASSERT_EQUAL(std::string("k3 k4 k5 "), ids(cache->takeUsage(3)));
    auto rest = cache->takeUsage();
    CPPUNIT_ASSERT_EQUAL(size_t(kKeys - 6 + 1), rest.size());
    CPPUNIT_ASSERT_EQUAL(std::string("k0"), rest.back().keyId);
  }

 private:
  std::vector<std::string> plaintexts;
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<FailingStore> failing;
  std::unique_ptr<ManualClock> clock;
  std::unique_ptr<KeyCache> cache;
  FakeQuotaSource source;
  std::unique_ptr<Verifier> verifier;
};

CPPUNIT_TEST_SUITE_REGISTRATION(UsageFlusherTest);
