#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/check/KeyCache.h"
#include "engine/check/QuotaAccount.h"
#include "engine/check/QuotaSource.h"
#include "engine/crypto/KeyCodec.h"

using namespace keywarden::engine;

// The packed cache: lookups by digest and id through growth, removal and slot reuse; long ids;
// shared interned values; usage never landing on a key that took a removed key's slot.
class KeyCacheTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(KeyCacheTest);
  CPPUNIT_TEST(manyKeysAreFoundByDigestAndIdThroughGrowthAndRemoval);
  CPPUNIT_TEST(longIdsAndSharedValues);
  CPPUNIT_TEST(usageOfARemovedKeyDoesNotLandOnItsSlotsNextKey);
  CPPUNIT_TEST(olderDefinitionNeverReplacesANewerOne);
  CPPUNIT_TEST(rotatedLineageLoadedOldKeyFirstKeepsItsQuota);
  CPPUNIT_TEST_SUITE_END();

 public:
  static Key keyNumber(int i) {
    Key k;
    k.id = "key_" + std::to_string(i);
    k.digest = KeyDigest::of("plain-" + std::to_string(i));
    k.clientId = "c1";
    k.scopes = {"orders:read"};
    k.version = 1;
    return k;
  }

  void manyKeysAreFoundByDigestAndIdThroughGrowthAndRemoval() {
    KeyCache c;
    std::vector<Key> keys;
    for (int i = 0; i < 20000; ++i) keys.push_back(keyNumber(i));
    c.loadKeys(std::vector<Key>(keys.begin(), keys.begin() + 5000));
    for (int i = 5000; i < 20000; ++i) c.upsertKey(keys[i]);  // grows the indexes
    std::vector<std::string> gone;
    for (int i = 0; i < 20000; i += 3) gone.push_back(keys[i].id);
    c.removeKeys(gone);
    for (int i = 20000; i < 25000; ++i) c.upsertKey(keyNumber(i));  // reuses freed slots
    CPPUNIT_ASSERT_EQUAL(size_t(25000 - gone.size()), c.size());
    KeyCache::View v(c);
    for (int i = 0; i < 25000; ++i) {
      Key k = keyNumber(i);
      uint32_t byDigest = v.findDigest(k.digest), byId = v.findId(k.id);
      bool removed = i < 20000 && i % 3 == 0;
      CPPUNIT_ASSERT_EQUAL_MESSAGE(k.id, removed, byDigest == KeyCache::kNone);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(k.id, byDigest, byId);
      if (!removed) CPPUNIT_ASSERT(v.entry(byId).id.view() == k.id);
    }
    CPPUNIT_ASSERT(v.findId("key_x") == KeyCache::kNone);
  }

  void longIdsAndSharedValues() {
    KeyCache c;
    Key a = keyNumber(1), b = keyNumber(2);
    a.id = std::string(64, 'a');  // longer than the 24 characters held inline
    c.upsertKey(a);
    c.upsertKey(b);
    KeyCache::View v(c);
    const KeyEntry& ea = v.entry(v.findId(a.id));
    const KeyEntry& eb = v.entry(v.findDigest(b.digest));
    CPPUNIT_ASSERT(ea.id.view() == a.id);
    CPPUNIT_ASSERT(ea.grants == eb.grants);  // equal grants: one interned copy
    CPPUNIT_ASSERT(ea.clientId == eb.clientId);
    CPPUNIT_ASSERT(!ea.meta);                 // "{}" costs nothing
    CPPUNIT_ASSERT(!ea.quota && !ea.limits);  // unlimited keys carry neither
  }

  void usageOfARemovedKeyDoesNotLandOnItsSlotsNextKey() {
    KeyCache c;
    Key a = keyNumber(1);
    c.upsertKey(a);
    {
      KeyCache::View v(c);
      uint32_t slot = v.findId(a.id);
      std::lock_guard<std::mutex> lock(v.stripe(slot));
      v.entry(slot).pendingValid = 7;
      c.markDirty(slot, v.entry(slot));
    }
    c.removeKeys({a.id});
    c.upsertKey(keyNumber(2));  // takes the freed slot
    CPPUNIT_ASSERT(c.takeUsage().empty());
  }

  void olderDefinitionNeverReplacesANewerOne() {
    KeyCache c;
    Key k = keyNumber(1);
    k.version = 3;
    k.state = KeyState::Revoked;
    c.upsertKey(k);
    Key older = keyNumber(1);
    older.version = 2;
    c.upsertKey(older);
    std::vector<Key> expired{keyNumber(1)};
    expired[0].version = 1;
    c.markExpired(expired);
    KeyCache::View v(c);
    const KeyEntry& e = v.entry(v.findId(k.id));
    CPPUNIT_ASSERT(e.state == KeyState::Revoked);
    CPPUNIT_ASSERT_EQUAL(int64_t(3), e.version);
  }

  // A quota source that grants what the store holds (`left` units) and counts nothing else.
  struct StoreOf : QuotaSource {
    int64_t left;
    explicit StoreOf(int64_t n) : left(n) {}
    QuotaLease lease(const std::string&, int64_t want, int64_t periodStart, int64_t) override {
      QuotaLease l;
      l.granted = std::min(want, left);
      left -= l.granted;
      l.leftInStore = left;
      l.periodStart = periodStart;
      return l;
    }
    void giveBack(const std::string&, int64_t units, int64_t) override { left += units; }
  };

  // A rotation leaves the old key drawing from its successor's row (quotaKeyId). At start-up
  // the store hands the old key over first (it is older): the successor, arriving as a new
  // cache entry, must still configure the account they share. It did not (the new-entry path
  // returned before configuring), and after every restart the lineage was served as unlimited
  // (found by make chaos: a key rotated at quota 0 answered VALID with remaining -1).
  void rotatedLineageLoadedOldKeyFirstKeepsItsQuota() {
    Key oldKey = keyNumber(1), successor = keyNumber(2);
    oldKey.quota = successor.quota = 3;
    oldKey.remaining = 0;
    successor.remaining = 2;
    oldKey.quotaKeyId = oldKey.rotatedTo = successor.id;
    for (bool bulk : {true, false}) {
      KeyCache c;
      if (bulk)
        c.loadKeys({oldKey, successor});  // the start-up load (CacheWarmer)
      else {
        c.upsertKey(oldKey);  // one at a time, old key first
        c.upsertKey(successor);
      }
      StoreOf store(2);
      KeyCache::View v(c);
      QuotaAccount* a = v.entry(v.findId(successor.id)).quota;
      CPPUNIT_ASSERT(a != nullptr);
      CPPUNIT_ASSERT(a == v.entry(v.findId(oldKey.id)).quota);
      CPPUNIT_ASSERT_EQUAL(int64_t(2), a->remaining(0));
      int served = 0;
      for (int i = 0; i < 5; ++i) served += a->tryConsume(1, 0, store, 5) ? 1 : 0;
      CPPUNIT_ASSERT_EQUAL(2, served);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(KeyCacheTest);
