// engine::ChangeFollower on a real SQLite store, with recording FollowerTargets in place of the
// services: what it asks them to reload for the changes the feed names (keys and clients once
// each, in one transaction; the catalog; revoked tokens forgotten), what it skips (a kind this
// version does not know), and that a feed purged past it makes it reload everything.
#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/base/ManualClock.h"
#include "engine/cluster/ChangeFollower.h"
#include "store/SqlStore.h"
#include "tests/support/TempDir.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;
using namespace keywarden::engine;

class ChangeFollowerTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ChangeFollowerTest);
  CPPUNIT_TEST(keysClientsAndCatalogAreReloadedOnceEachInOneTransaction);
  CPPUNIT_TEST(aRevokedTokenIsForgottenAndAnUnknownKindSkipped);
  CPPUNIT_TEST(whatWasThereBeforeTheMarkIsNotApplied);
  CPPUNIT_TEST(aFeedPurgedPastTheFollowerReloadsEverything);
  CPPUNIT_TEST_SUITE_END();

  // What the follower asked of the services.
  struct Calls {
    int reloadAll = 0;
    int reloads = 0;
    int leaseCountsAsked = 0;
    std::vector<std::string> keys, clients, owed, tokens;
    bool catalog = false;
  };

 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>("kwfollow");
    store = test::migratedStore(*dir, "OFF");
    clock = std::make_unique<ManualClock>(1'795'219'200'000);
    FollowerTargets t;
    t.reloadAll = [this] { ++calls.reloadAll; };
    // Lease counts are asked for before the transaction; the reload gets exactly those.
    t.leaseCounts = [this](const std::vector<std::string>& keys) {
      ++calls.leaseCountsAsked;
      return std::vector<uint64_t>(keys.size(), 7);
    };
    t.reload = [this](Transaction&, const std::vector<std::string>& keys,
                      const std::vector<uint64_t>& leaseCounts,
                      const std::vector<std::string>& clients, bool catalog) {
      CPPUNIT_ASSERT_EQUAL(calls.reloads + 1, calls.leaseCountsAsked);
      CPPUNIT_ASSERT(leaseCounts == std::vector<uint64_t>(keys.size(), 7));
      ++calls.reloads;
      calls.keys.insert(calls.keys.end(), keys.begin(), keys.end());
      calls.clients.insert(calls.clients.end(), clients.begin(), clients.end());
      calls.catalog = calls.catalog || catalog;
    };
    t.returnOwed = [this](const std::vector<std::string>& keys) {
      calls.owed.insert(calls.owed.end(), keys.begin(), keys.end());
    };
    t.forgetToken = [this](const std::string& id) { calls.tokens.push_back(id); };
    follower = std::make_unique<ChangeFollower>(*store, *clock, t, 1000);
  }
  void tearDown() override {
    follower.reset();
    store.reset();
    dir.reset();
  }

  void record(const std::string& kind, const std::string& id) {
    store->write([&](Transaction& tx) { tx.changes().record(kind, id, "ins_other", 1); });
  }

  void keysClientsAndCatalogAreReloadedOnceEachInOneTransaction() {
    follower->mark();
    record("key", "k1");
    record("client", "c1");
    record("key", "k1");  // again, in another transaction
    record("key", "k2");
    record("catalog", "");
    CPPUNIT_ASSERT_EQUAL(size_t(5), follower->poll());
    CPPUNIT_ASSERT_EQUAL(1, calls.reloads);
    CPPUNIT_ASSERT(calls.keys == std::vector<std::string>({"k1", "k2"}));
    CPPUNIT_ASSERT(calls.clients == std::vector<std::string>({"c1"}));
    CPPUNIT_ASSERT(calls.catalog);
    CPPUNIT_ASSERT(calls.owed == calls.keys);  // their leased units handed back after commit
    CPPUNIT_ASSERT_EQUAL(0, calls.reloadAll);
    CPPUNIT_ASSERT_EQUAL(size_t(0), follower->poll());  // nothing new: nothing asked
    CPPUNIT_ASSERT_EQUAL(1, calls.reloads);
  }

  void aRevokedTokenIsForgottenAndAnUnknownKindSkipped() {
    follower->mark();
    record("token", "tok_1");
    record("webhook", "w1");  // written by a newer version
    CPPUNIT_ASSERT_EQUAL(size_t(2), follower->poll());
    CPPUNIT_ASSERT(calls.tokens == std::vector<std::string>({"tok_1"}));
    CPPUNIT_ASSERT_EQUAL(0, calls.reloads);  // nothing the caches hold changed
  }

  void whatWasThereBeforeTheMarkIsNotApplied() {
    record("key", "old");
    follower->mark();
    record("key", "new");
    CPPUNIT_ASSERT_EQUAL(size_t(1), follower->poll());
    CPPUNIT_ASSERT(calls.keys == std::vector<std::string>({"new"}));
  }

  void aFeedPurgedPastTheFollowerReloadsEverything() {
    follower->mark();
    record("key", "k1");
    record("key", "k2");
    store->write([&](Transaction& tx) { tx.changes().purge(2); });  // both gone unread
    record("key", "k3");
    CPPUNIT_ASSERT_EQUAL(size_t(1), follower->poll());
    CPPUNIT_ASSERT_EQUAL(1, calls.reloadAll);
    CPPUNIT_ASSERT(calls.keys == std::vector<std::string>({"k3"}));
  }

 private:
  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
  std::unique_ptr<ManualClock> clock;
  Calls calls;
  std::unique_ptr<ChangeFollower> follower;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ChangeFollowerTest);
