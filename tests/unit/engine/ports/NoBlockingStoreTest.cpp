#include <cppunit/extensions/HelperMacros.h>

#include "engine/base/ManualClock.h"
#include "engine/check/MissLookup.h"
#include "engine/check/Verifier.h"
#include "engine/crypto/KeyCodec.h"
#include "engine/ports/NoBlockingStore.h"
#include "tests/unit/support/FakeQuotaSource.h"

using namespace keywarden::engine;

// Issue 14: a check made on a thread that must not wait for the database (the gateway loop)
// and needing the store throws WouldBlock having changed nothing, so that the same check made
// again on a worker counts once: no rate-window call, no lease, no miss-lookup token, no
// outcome taken by the first pass.
class NoBlockingStoreTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(NoBlockingStoreTest);
  CPPUNIT_TEST(aQuotaLeaseOnANonBlockingThreadThrowsAndCountsNothing);
  CPPUNIT_TEST(aMissLookupOnANonBlockingThreadTakesNoToken);
  CPPUNIT_TEST_SUITE_END();

 public:
  void aQuotaLeaseOnANonBlockingThreadThrowsAndCountsNothing() {
    ManualClock clock(1795219200000);
    KeyCache cache;
    FakeQuotaSource source;
    Verifier verifier(cache, source, clock, 100);
    MintedKey m = KeyCodec::mint("kw");
    Key k;
    k.id = "q";
    k.digest = m.digest;
    k.quota = k.remaining = 10;
    k.rateLimit = 1;  // one call a minute: a first pass counted would refuse the second
    k.rateWindowMs = 60000;
    source.remaining[k.id] = 10;
    cache.upsertKey(k);
    VerifyRequest r;
    r.key = m.plaintext;
    {
      NoBlockingStore loop;
      CPPUNIT_ASSERT_THROW(verifier.verify(r), NoBlockingStore::WouldBlock);
    }
    CPPUNIT_ASSERT_EQUAL(0, source.leases);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), verifier.outcomes(VerifyCode::Valid));
    VerifyResult v = verifier.verify(r);  // on a worker
    CPPUNIT_ASSERT(v.code == VerifyCode::Valid);
    CPPUNIT_ASSERT_EQUAL(int64_t(9), v.remaining);
    CPPUNIT_ASSERT_EQUAL(1, source.leases);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), verifier.outcomes(VerifyCode::Valid));
    // Units leased: the loop answers the next check from memory.
    NoBlockingStore loop;
    CPPUNIT_ASSERT(verifier.verify(r).code == VerifyCode::RateLimited);
  }

  void aMissLookupOnANonBlockingThreadTakesNoToken() {
    int loads = 0;
    MissLookup miss(
        [&](const KeyDigest&) {
          ++loads;
          return false;
        },
        1, 60000);  // one look-up a second
    const KeyDigest d = KeyDigest::of("kw_unknown");
    const int64_t now = 1795219200000;
    {
      NoBlockingStore loop;
      CPPUNIT_ASSERT_THROW(miss.tryLoad(d, now), NoBlockingStore::WouldBlock);
    }
    CPPUNIT_ASSERT(!miss.tryLoad(d, now));  // the one token was still there
    CPPUNIT_ASSERT_EQUAL(1, loads);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), miss.lookups());
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), miss.skipped());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(NoBlockingStoreTest);
