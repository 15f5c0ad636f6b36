// Group commit (store/WriteGroup.h) on a real SQLite file: writes that queue up behind one
// another share one COMMIT, yet each keeps Store::write's contract — a unit that fails rolls
// back only itself, its hooks never run, and no member returns or runs its hooks before the
// group's COMMIT. Threads are lined up by watching the store's queue (no fixed sleep).
#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/ports/Store.h"
#include "store/SqlStore.h"
#include "tests/support/Eventually.h"
#include "tests/support/TempDir.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;
using engine::Error;
using engine::Result;
using engine::Transaction;

class WriteGroupTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(WriteGroupTest);
  CPPUNIT_TEST(queuedWritesCommitTogetherAndAFailingOneUndoesOnlyItself);
  CPPUNIT_TEST(aLoneWriteCommitsAtOnce);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>("kwgroup");
    store = test::migratedStore(*dir, "OFF");
  }
  void tearDown() override {
    store.reset();
    dir.reset();
  }

  // The change rows committed for `ref` (seen from a read session: committed data only).
  size_t committed(const std::string& ref) {
    size_t n = 0;
    store->read([&](Transaction& tx) {
      for (const auto& c : tx.changes().since(0, 1000))
        if (c.refId == ref) ++n;
    });
    return n;
  }

  void queuedWritesCommitTogetherAndAFailingOneUndoesOnlyItself() {
    uint64_t before = store->commits();
    std::atomic<bool> firstReturned{false};
    std::atomic<int> hooksRun{0};
    std::atomic<size_t> seenByHook{0};
    Result<int> refused = Error::conflict("UNSET", "");
    bool thrown = false;
    std::atomic<bool> inside{false}, linedUp{false};
    // The first write holds the write lock until three more writers wait for it.
    std::thread first([&] {
      store->write([&](Transaction& tx) -> Result<int> {
        tx.changes().record("key", "first", "ins", 10);
        inside = true;
        linedUp = test::eventually([&] { return store->writersWaiting() == 3; }, 15000, 1);
        tx.afterCommit([&] {
          ++hooksRun;
          seenByHook = committed("first") + committed("ok");
        });
        return 1;
      });
      firstReturned = true;
    });
    CPPUNIT_ASSERT(test::eventually([&] { return inside.load(); }, 15000, 1));
    std::vector<std::thread> queued;
    queued.emplace_back([&] {
      store->write([&](Transaction& tx) -> Result<int> {
        tx.changes().record("key", "ok", "ins", 10);
        tx.afterCommit([&] { ++hooksRun; });
        return 2;
      });
    });
    queued.emplace_back([&] {
      refused = store->write([&](Transaction& tx) -> Result<int> {
        tx.changes().record("key", "refused", "ins", 10);
        tx.afterCommit([&] { ++hooksRun; });
        return Error::conflict("LATE_REFUSAL", "refused after a write");
      });
    });
    queued.emplace_back([&] {
      try {
        store->write([&](Transaction& tx) {
          tx.changes().record("key", "thrown", "ins", 10);
          tx.afterCommit([&] { ++hooksRun; });
          throw std::runtime_error("a bug");
        });
      } catch (const std::runtime_error&) {
        thrown = true;
      }
    });
    first.join();
    for (auto& t : queued) t.join();

    CPPUNIT_ASSERT(linedUp);
    CPPUNIT_ASSERT(firstReturned);
    CPPUNIT_ASSERT_EQUAL(size_t(1), committed("first"));
    CPPUNIT_ASSERT_EQUAL(size_t(1), committed("ok"));
    CPPUNIT_ASSERT_EQUAL(size_t(0), committed("refused"));
    CPPUNIT_ASSERT_EQUAL(size_t(0), committed("thrown"));
    CPPUNIT_ASSERT(!refused);
    CPPUNIT_ASSERT_EQUAL(std::string("LATE_REFUSAL"), refused.error().code);
    CPPUNIT_ASSERT(thrown);
    CPPUNIT_ASSERT_EQUAL(2, hooksRun.load());  // only the two that committed
    // The first write's hook ran after the COMMIT that also holds the second write.
    CPPUNIT_ASSERT_EQUAL(size_t(2), seenByHook.load());
    // Four writes, one COMMIT.
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), store->commits() - before);
  }

  void aLoneWriteCommitsAtOnce() {
    uint64_t before = store->commits();
    store->write([&](Transaction& tx) { tx.changes().record("key", "alone", "ins", 10); });
    CPPUNIT_ASSERT_EQUAL(size_t(1), committed("alone"));
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), store->commits() - before);
  }

 private:
  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
};

CPPUNIT_TEST_SUITE_REGISTRATION(WriteGroupTest);
