#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "engine/ports/Store.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;
using namespace keywarden::engine;

namespace {
Application app(const std::string& id) {
  Application a;
  a.id = id;
  a.number = "APP-" + id;
  a.tenant = "t";
  a.clientId = "web";
  a.keyName = "k";
  a.requesterEmail = "req@example.com";
  a.scopes = {"orders:read"};
  a.createdAt = a.updatedAt = 1764547200000;
  a.version = 1;
  return a;
}

std::optional<Application> readApp(store::SqlStore& s, const std::string& id) {
  std::optional<Application> out;
  s.read([&](Transaction& tx) { out = tx.applications().find(id); });
  return out;
}
}  // namespace

// The store's SQLite statements through its per-session statement caches: the writer's group
// transaction and the read sessions each see what was committed last, and a rolled-back unit
// leaves nothing behind.
class SqlStoreStatementsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SqlStoreStatementsTest);
  CPPUNIT_TEST(nextSequenceCountsFromOneForEachName);
  CPPUNIT_TEST(readsSeeEveryCommittedUpdate);
  CPPUNIT_TEST(aUnitThatThrowsLeavesNoRowAndTheNextWriteWorks);
  CPPUNIT_TEST(anApplicationReadsBackAsWrittenWithItsHistory);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>();
    store = test::migratedStore(*dir, "OFF");
  }
  void tearDown() override {
    store.reset();
    dir.reset();
  }

  void nextSequenceCountsFromOneForEachName() {
    std::vector<int64_t> got;
    for (int i = 0; i < 3; ++i)
      store->write([&](Transaction& tx) { got.push_back(tx.applications().nextSequence("x")); });
    store->write([&](Transaction& tx) {
      got.push_back(tx.applications().nextSequence("y"));
      got.push_back(tx.applications().nextSequence("x"));
    });
    CPPUNIT_ASSERT_EQUAL(std::string("1 2 3 1 4"), join(got));
  }

  void readsSeeEveryCommittedUpdate() {
    store->write([](Transaction& tx) { tx.applications().insert(app("a1")); });
    for (int v = 1; v < 20; ++v) {
      // Every read session in turn (the pool hands them round): none may read a stale row.
      auto before = readApp(*store, "a1");
      CPPUNIT_ASSERT(before);
      CPPUNIT_ASSERT_EQUAL(int64_t(v), before->version);
      bool updated = false;
      store->write([&](Transaction& tx) {
        Application a = *tx.applications().find("a1");
        a.version = v + 1;
        a.keyName = "k" + std::to_string(v);
        updated = tx.applications().update(a, v);
      });
      CPPUNIT_ASSERT(updated);
      CPPUNIT_ASSERT_EQUAL("k" + std::to_string(v), readApp(*store, "a1")->keyName);
    }
  }

  void aUnitThatThrowsLeavesNoRowAndTheNextWriteWorks() {
    CPPUNIT_ASSERT_THROW(store->write([](Transaction& tx) {
      tx.applications().insert(app("gone"));
      CPPUNIT_ASSERT(tx.applications().find("gone"));  // visible inside its transaction
      throw std::runtime_error("the unit fails after its insert");
    }),
                         std::runtime_error);
    CPPUNIT_ASSERT(!readApp(*store, "gone"));
    store->write([](Transaction& tx) { tx.applications().insert(app("kept")); });
    CPPUNIT_ASSERT(readApp(*store, "kept"));
    CPPUNIT_ASSERT(!readApp(*store, "gone"));
  }

  void anApplicationReadsBackAsWrittenWithItsHistory() {
    Application a = app("h1");
    a.apis = {"api-1", "api-2"};
    a.changes.quota = 70;
    a.flowSnapshot = "{\"id\":\"two\"}";
    a.level = 1;
    a.levelCount = 2;
    store->write([&](Transaction& tx) {
      tx.applications().insert(a);
      tx.applications().addDecision({"", "h1", 1, "approve", "lead@example.com", "lead", "ok", 5});
      tx.applications().addDecision({"", "h1", 2, "reject", "sec@example.com", "sec", "no", 6});
    });
    auto got = readApp(*store, "h1");
    CPPUNIT_ASSERT(got);
    CPPUNIT_ASSERT_EQUAL(std::string("APP-h1"), got->number);
    CPPUNIT_ASSERT_EQUAL(size_t(2), got->apis.size());
    CPPUNIT_ASSERT_EQUAL(std::string("api-2"), got->apis[1]);
    CPPUNIT_ASSERT_EQUAL(int64_t(70), got->changes.quota.value_or(0));
    CPPUNIT_ASSERT_EQUAL(a.flowSnapshot, got->flowSnapshot);
    CPPUNIT_ASSERT_EQUAL(2, got->levelCount);
    CPPUNIT_ASSERT_EQUAL(size_t(2), got->history.size());
    CPPUNIT_ASSERT_EQUAL(std::string("reject"), got->history[1].event);
    CPPUNIT_ASSERT_EQUAL(std::string("no"), got->history[1].comment);
    CPPUNIT_ASSERT_EQUAL(int64_t(6), got->history[1].at);
  }

 private:
  static std::string join(const std::vector<int64_t>& v) {
    std::string out;
    for (auto x : v) out += (out.empty() ? "" : " ") + std::to_string(x);
    return out;
  }
  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SqlStoreStatementsTest);
