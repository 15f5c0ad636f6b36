// Store::write's one way to fail, on a real SQLite file: a transaction whose function returns
// an Error is rolled back in full (whatever it wrote before deciding) and its after-commit
// hooks never run; one that returns a value commits and hands the value back.
#include <cppunit/extensions/HelperMacros.h>

#include <memory>

#include "engine/ports/Store.h"
#include "store/SqlStore.h"
#include "tests/support/TempDir.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;
using engine::Error;
using engine::Result;
using engine::Transaction;

class StoreWriteTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(StoreWriteTest);
  CPPUNIT_TEST(anErrorRollsBackWhatTheTransactionWroteBeforeIt);
  CPPUNIT_TEST(aValueCommitsAndIsHandedBack);
  CPPUNIT_TEST(anExceptionRollsBackAndPropagates);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>("kwwrite");
    store = test::migratedStore(*dir, "OFF");
  }
  void tearDown() override {
    store.reset();
    dir.reset();
  }

  size_t changes() {
    size_t n = 0;
    store->read([&](Transaction& tx) { n = tx.changes().since(0, 100).size(); });
    return n;
  }

  void anErrorRollsBackWhatTheTransactionWroteBeforeIt() {
    bool hookRan = false;
    Result<int> r = store->write([&](Transaction& tx) -> Result<int> {
      tx.changes().record("key", "k1", "ins", 10);
      tx.afterCommit([&] { hookRan = true; });
      return Error::conflict("LATE_REFUSAL", "refused after a write");
    });
    CPPUNIT_ASSERT(!r);
    CPPUNIT_ASSERT_EQUAL(std::string("LATE_REFUSAL"), r.error().code);
    CPPUNIT_ASSERT_EQUAL(size_t(0), changes());
    CPPUNIT_ASSERT(!hookRan);
  }

  void aValueCommitsAndIsHandedBack() {
    bool hookRan = false;
    auto r = store->write([&](Transaction& tx) -> Result<std::string> {
      tx.changes().record("key", "k1", "ins", 10);
      tx.afterCommit([&] { hookRan = true; });
      return std::string("done");
    });
    CPPUNIT_ASSERT(r);
    CPPUNIT_ASSERT_EQUAL(std::string("done"), r.value());
    CPPUNIT_ASSERT_EQUAL(size_t(1), changes());
    CPPUNIT_ASSERT(hookRan);
  }

  void anExceptionRollsBackAndPropagates() {
    bool thrown = false;
    try {
      store->write([&](Transaction& tx) -> Result<int> {
        tx.changes().record("key", "k1", "ins", 10);
        throw std::runtime_error("a bug");
      });
    } catch (const std::runtime_error&) {
      thrown = true;
    }
    CPPUNIT_ASSERT(thrown);
    CPPUNIT_ASSERT_EQUAL(size_t(0), changes());
  }

 private:
  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
};

CPPUNIT_TEST_SUITE_REGISTRATION(StoreWriteTest);
