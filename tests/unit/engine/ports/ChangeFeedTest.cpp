#include <cppunit/extensions/HelperMacros.h>

#include <memory>

#include "engine/ports/Store.h"
#include "store/SqlStore.h"
#include "tests/support/TempDir.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;
using engine::Transaction;

// The change feed's contract on a real SQLite file: one sequence number per transaction, in
// commit order; no change recorded twice in a transaction; readers get whole transactions;
// a rolled-back transaction leaves no number behind; old changes are purged.
class ChangeFeedTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ChangeFeedTest);
  CPPUNIT_TEST(oneSequenceNumberPerTransactionInCommitOrder);
  CPPUNIT_TEST(rolledBackTransactionsLeaveNoGap);
  CPPUNIT_TEST(readersNeverGetHalfATransaction);
  CPPUNIT_TEST(purgeDropsOnlyOldChanges);
  CPPUNIT_TEST(manyChangesShareTheTransactionsNumber);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>("kwchanges");
    store = test::migratedStore(*dir, "OFF");
  }
  void tearDown() override {
    store.reset();
    dir.reset();
  }

  std::vector<engine::Change> since(int64_t seq, int limit = 100) {
    std::vector<engine::Change> out;
    store->read([&](Transaction& tx) { out = tx.changes().since(seq, limit); });
    return out;
  }

  void oneSequenceNumberPerTransactionInCommitOrder() {
    store->write([](Transaction& tx) {
      tx.changes().record("key", "k1", "ins_a", 10);
      tx.changes().record("client", "c1", "ins_a", 10);
      tx.changes().record("key", "k1", "ins_a", 11);  // repeated: recorded once
    });
    store->write([](Transaction& tx) { tx.changes().record("catalog", "", "ins_b", 12); });
    auto all = since(0);
    CPPUNIT_ASSERT_EQUAL(size_t(3), all.size());
    CPPUNIT_ASSERT_EQUAL(int64_t(1), all[0].seq);
    CPPUNIT_ASSERT_EQUAL(int64_t(1), all[1].seq);
    CPPUNIT_ASSERT_EQUAL(int64_t(2), all[2].seq);
    CPPUNIT_ASSERT_EQUAL(std::string("catalog"), all[2].kind);
    CPPUNIT_ASSERT_EQUAL(std::string("ins_b"), all[2].origin);
    CPPUNIT_ASSERT_EQUAL(size_t(1), since(1).size());
    CPPUNIT_ASSERT(since(2).empty());
    int64_t latest = 0;
    store->read([&](Transaction& tx) { latest = tx.changes().latest(); });
    CPPUNIT_ASSERT_EQUAL(int64_t(2), latest);
  }

  void rolledBackTransactionsLeaveNoGap() {
    store->write([](Transaction& tx) { tx.changes().record("key", "k1", "ins_a", 10); });
    try {
      store->write([](Transaction& tx) {
        tx.changes().record("key", "k2", "ins_a", 11);
        throw std::runtime_error("abort");
      });
      CPPUNIT_FAIL("the write should have thrown");
    } catch (const std::runtime_error&) {
    }
    store->write([](Transaction& tx) { tx.changes().record("key", "k3", "ins_a", 12); });
    auto all = since(0);
    CPPUNIT_ASSERT_EQUAL(size_t(2), all.size());
    CPPUNIT_ASSERT_EQUAL(std::string("k3"), all[1].refId);
    CPPUNIT_ASSERT_EQUAL(int64_t(2), all[1].seq);  // a follower sees 1, 2: no gap to mistake
  }

  void readersNeverGetHalfATransaction() {
    store->write([](Transaction& tx) {
      for (int i = 0; i < 5; ++i) tx.changes().record("key", "a" + std::to_string(i), "x", 1);
    });
    store->write([](Transaction& tx) { tx.changes().record("key", "b", "x", 2); });
    auto first = since(0, 2);  // asks for 2, gets the whole first transaction
    CPPUNIT_ASSERT_EQUAL(size_t(5), first.size());
    auto next = since(first.back().seq, 2);
    CPPUNIT_ASSERT_EQUAL(size_t(1), next.size());
    CPPUNIT_ASSERT_EQUAL(std::string("b"), next[0].refId);
  }

  void purgeDropsOnlyOldChanges() {
    store->write([](Transaction& tx) { tx.changes().record("key", "old", "x", 1000); });
    store->write([](Transaction& tx) { tx.changes().record("key", "new", "x", 5000); });
    int purged = 0;
    store->write([&](Transaction& tx) { purged = tx.changes().purge(2000); });
    CPPUNIT_ASSERT_EQUAL(1, purged);
    auto left = since(0);
    CPPUNIT_ASSERT_EQUAL(size_t(1), left.size());
    CPPUNIT_ASSERT_EQUAL(std::string("new"), left[0].refId);
    CPPUNIT_ASSERT_EQUAL(int64_t(2), left[0].seq);  // a follower at 0 sees the jump past 1
  }

  void manyChangesShareTheTransactionsNumber() {
    std::vector<std::string> ids;
    for (int i = 0; i < 250; ++i) ids.push_back("k" + std::to_string(i));
    store->write([&](Transaction& tx) {
      tx.changes().record("key", "k7", "x", 1);  // already recorded: not written twice
      tx.changes().recordMany("key", ids, "x", 1);
    });
    auto all = since(0, 1000);
    CPPUNIT_ASSERT_EQUAL(size_t(250), all.size());
    for (const auto& c : all) CPPUNIT_ASSERT_EQUAL(int64_t(1), c.seq);
  }

  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ChangeFeedTest);
