// A key's usage as GET /v1/keys/{id} reads it: the stored counters plus what the cache counted
// since the last flush. A flush takes the cache's counters out before its transaction commits;
// a reader in between must not see the checks of that chunk vanish (nor count them twice).
#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "engine/check/Verifier.h"
#include "engine/usage/UsageFlusher.h"
#include "tests/unit/support/EngineServices.h"
#include "tests/unit/support/FakeQuotaSource.h"

using namespace keywarden;
using namespace keywarden::engine;

class LiveUsageTest : public CppUnit::TestFixture, public test::EngineServices {
  CPPUNIT_TEST_SUITE(LiveUsageTest);
  CPPUNIT_TEST(aReaderDuringAFlushInFlightWaitsAndCountsEveryCheckOnce);
  CPPUNIT_TEST(readersBeforeAndAfterAFlushSeeTheSameCount);
  CPPUNIT_TEST_SUITE_END();

 public:
  static constexpr int kChecks = 7;

  void setUp() override {
    test::EngineServicesOptions o;
    o.dirPrefix = "kwliveusage";
    build(o);
    verifier = std::make_unique<Verifier>(cache, source, *clock, 100);
    KeySpec s;
    s.clientId = "c1";
    s.name = "k";
    auto r = keys->issue(admin, s);
    CPPUNIT_ASSERT_MESSAGE(r ? "" : r.error().message, r);
    id = r.value().key.id;
    VerifyRequest v;
    v.key = r.value().plaintext;
    for (int i = 0; i < kChecks; ++i) CPPUNIT_ASSERT(verifier->verify(v).code == VerifyCode::Valid);
  }
  void tearDown() override {
    verifier.reset();
    tearDownServices();
  }

  int64_t validNow() {
    auto k = keys->get(admin, id);
    CPPUNIT_ASSERT(k);
    return k.value().usageValid;
  }

  // The flusher's steps by hand, paused between taking the counters and committing them.
  void aReaderDuringAFlushInFlightWaitsAndCountsEveryCheckOnce() {
    CPPUNIT_ASSERT_EQUAL(int64_t(kChecks), validNow());
    cache.beginUsageFlush();
    std::vector<UsageDelta> deltas = cache.takeUsage();
    CPPUNIT_ASSERT_EQUAL(size_t(1), deltas.size());
    std::atomic<int64_t> seen{-1};
    std::thread reader([&] { seen = validNow(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    store->write([&](Transaction& tx) { tx.keys().addUsage(deltas); });
    cache.endUsageFlush();
    reader.join();
    CPPUNIT_ASSERT_EQUAL(int64_t(kChecks), seen.load());
    CPPUNIT_ASSERT_EQUAL(int64_t(kChecks), validNow());
  }

  void readersBeforeAndAfterAFlushSeeTheSameCount() {
    auto listed = [&] {
      auto all = keys->list(admin, KeyFilter{});
      CPPUNIT_ASSERT(all && all.value().size() == 1);
      return all.value()[0].usageValid;
    };
    CPPUNIT_ASSERT_EQUAL(int64_t(kChecks), listed());
    UsageFlusher flusher(cache, *store, 1000, *clock);
    flusher.flush();
    CPPUNIT_ASSERT_EQUAL(int64_t(kChecks), listed());
    CPPUNIT_ASSERT_EQUAL(int64_t(kChecks), validNow());
  }

 private:
  FakeQuotaSource source;
  std::unique_ptr<Verifier> verifier;
  std::string id;
};

CPPUNIT_TEST_SUITE_REGISTRATION(LiveUsageTest);
