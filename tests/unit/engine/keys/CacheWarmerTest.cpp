#include <cppunit/extensions/HelperMacros.h>

#include <Poco/Data/Session.h>

#include <string>
#include <vector>

#include "engine/check/KeyCache.h"
#include "engine/keys/CacheWarmer.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;
using namespace keywarden::engine;

// The start-up load (issue 14: a million keys under 2 s): every stored key reaches the cache
// as the store holds it, through the raw scan (store/SqliteCacheScan, CacheRowDecoder), the
// reader/inserter hand-off and KeyCache's bulk path — lists with escapes, long ids, quotas,
// rate limits and meta included; a damaged row stops the start-up with its error instead of
// hanging the two threads.
class CacheWarmerTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(CacheWarmerTest);
  CPPUNIT_TEST(everyStoredKeyIsCachedAsStoredThroughManyChunks);
  CPPUNIT_TEST(aSecondLoadKeepsEachKeyOnce);
  CPPUNIT_TEST(aDamagedRowStopsTheLoadWithItsError);
  CPPUNIT_TEST_SUITE_END();

 public:
  static Key keyNumber(int i) {
    Key k;
    k.id = i % 97 == 0 ? "key_" + std::string(40, 'l') + std::to_string(i)
                       : "key_" + std::to_string(i);
    k.name = "k" + std::to_string(i);
    k.digest = KeyDigest::of("plain-" + std::to_string(i));
    k.tenant = i % 3 == 0 ? "other" : "default";
    k.clientId = i % 2 ? "c1" : "";
    if (i % 4 == 0) k.scopes = {"orders:read", "orders:write"};
    if (i % 13 == 0) k.scopes = {"we\"ird", "back\\slash"};
    if (i % 10 == 0) {
      k.quota = 100 + i;
      k.remaining = 50 + i;
    }
    if (i % 7 == 0) {
      k.rateLimit = 5;
      k.rateWindowMs = 1000;
    }
    if (i % 11 == 0) k.meta = "{\"n\":" + std::to_string(i) + "}";
    k.state = i % 17 == 0 ? KeyState::Revoked : KeyState::Active;
    k.version = 1 + i % 5;
    return k;
  }

  void everyStoredKeyIsCachedAsStoredThroughManyChunks() {
    test::TempDir dir;
    auto store = test::migratedStore(dir, "OFF");
    const int n = 3000;
    store->write([&](Transaction& tx) {
      for (int i = 0; i < n; ++i) tx.keys().insert(keyNumber(i));
    });
    size_t counted = 0;
    store->read([&](Transaction& tx) { counted = tx.keys().countAll(); });
    CPPUNIT_ASSERT_EQUAL(size_t(n), counted);  // revoked keys too: the load takes every row
    KeyCache cache;
    CPPUNIT_ASSERT_EQUAL(size_t(n), CacheWarmer::warm(*store, cache, 7));  // 429 hand-offs
    CPPUNIT_ASSERT_EQUAL(size_t(n), cache.size());
    KeyCache::View v(cache);
    for (int i = 0; i < n; ++i) {
      Key k = keyNumber(i);
      uint32_t slot = v.findDigest(k.digest);
      CPPUNIT_ASSERT_MESSAGE(k.id, slot != KeyCache::kNone);
      CPPUNIT_ASSERT_EQUAL(slot, v.findId(k.id));
      KeyEntry& e = v.entry(slot);
      CPPUNIT_ASSERT(e.id.view() == k.id);
      CPPUNIT_ASSERT_EQUAL(k.tenant, *e.tenant);
      CPPUNIT_ASSERT_EQUAL(k.clientId, *e.clientId);
      CPPUNIT_ASSERT(e.grants->scopes == k.scopes);
      CPPUNIT_ASSERT_EQUAL(k.quota >= 0, e.quota != nullptr);
      CPPUNIT_ASSERT_EQUAL(k.rateLimit > 0, e.limits != nullptr);
      CPPUNIT_ASSERT_EQUAL(k.meta == "{}" ? std::string() : k.meta,
                           e.meta ? *e.meta : std::string());
      CPPUNIT_ASSERT(e.state == k.state);
      CPPUNIT_ASSERT_EQUAL(k.version, e.version);
      if (k.quota >= 0) CPPUNIT_ASSERT_EQUAL(k.remaining, e.quota->remaining(0));
    }
    // Keys that share grants share one copy.
    CPPUNIT_ASSERT(v.entry(v.findId("key_4")).grants == v.entry(v.findId("key_8")).grants);
  }

  void aSecondLoadKeepsEachKeyOnce() {
    // The change follower's reloadAll warms a cache that holds every key already (the indexes
    // are sized from the larger of the two counts, not their sum).
    test::TempDir dir;
    auto store = test::migratedStore(dir, "OFF");
    store->write([&](Transaction& tx) {
      for (int i = 0; i < 500; ++i) tx.keys().insert(keyNumber(i));
    });
    KeyCache cache;
    CacheWarmer::warm(*store, cache, 64);
    store->write([&](Transaction& tx) { tx.keys().insert(keyNumber(500)); });
    CPPUNIT_ASSERT_EQUAL(size_t(501), CacheWarmer::warm(*store, cache, 64));
    CPPUNIT_ASSERT_EQUAL(size_t(501), cache.size());
    KeyCache::View v(cache);
    CPPUNIT_ASSERT(v.findDigest(keyNumber(500).digest) != KeyCache::kNone);
  }

  void aDamagedRowStopsTheLoadWithItsError() {
    test::TempDir dir;
    auto store = test::migratedStore(dir, "OFF");
    store->write([&](Transaction& tx) {
      for (int i = 0; i < 100; ++i) tx.keys().insert(keyNumber(i));
    });
    {
      Poco::Data::Session s("SQLite", dir.file("kw.db"));
      s << "UPDATE api_keys SET digest = 'not hex' WHERE id = 'key_50'", Poco::Data::Keywords::now;
    }
    KeyCache cache;
    try {
      CacheWarmer::warm(*store, cache, 8);
      CPPUNIT_FAIL("a damaged digest was loaded");
    } catch (const std::runtime_error& e) {
      CPPUNIT_ASSERT_MESSAGE(e.what(), std::string(e.what()).find("key_50") != std::string::npos);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CacheWarmerTest);
