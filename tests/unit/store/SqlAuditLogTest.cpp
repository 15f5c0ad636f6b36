#include <cppunit/extensions/HelperMacros.h>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

#include <stdexcept>

#include "engine/audit/AuditChainVerifier.h"
#include "store/SqlAuditTrail.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;
using namespace keywarden::engine;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

namespace {
AuditEntry entry(const std::string& objectId) {
  return {1764547200000, "admin", "key.create", "key", objectId, "", "{}"};
}
}  // namespace

// The audit writer over the real SQLite store: rows chained in commit order, written only
// with the change they record.
class SqlAuditLogTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SqlAuditLogTest);
  CPPUNIT_TEST(rowsOfSuccessiveTransactionsFormOneValidChain);
  CPPUNIT_TEST(rolledBackTransactionLeavesNoRowAndNoGapInTheChain);
  CPPUNIT_TEST(anAuditInsertThatFailsRollsBackTheChangeItRecords);
  CPPUNIT_TEST(aRowWithoutAPlaceInTheChainWrittenLaterIsReported);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>();
    store = test::migratedStore(*dir, "OFF");
    session = std::make_unique<Poco::Data::Session>("sqlite", dir->file("kw.db"));
  }
  void tearDown() override {
    session.reset();
    store.reset();
    dir.reset();
  }

  // Verifies the whole trail as `keywarden audit verify` does.
  AuditChainVerifier verify() {
    store::SqlAuditTrail trail(*session, store->dialect());
    auto head = trail.head();
    AuditChainVerifier v;
    trail.forEachChained(0, [&](const ChainedAuditRow& r) { return v.add(r); });
    v.finish(head.seq, head.hash);
    std::string lateId;
    int64_t lateAt = 0;
    trail.forEachUnchained(head.legacyMaxAt + 1, [&](const ChainedAuditRow& r) {
      lateId = r.id;
      lateAt = r.entry.at;
      return false;
    });
    v.checkUnchained(trail.unchainedCount(), head.legacyRows, lateId, lateAt);
    return v;
  }

  void rowsOfSuccessiveTransactionsFormOneValidChain() {
    store->write([](Transaction& tx) { tx.audit().append(entry("k1")); });
    store->write([](Transaction& tx) {
      std::vector<AuditEntry> many;
      for (int i = 0; i < 250; ++i) many.push_back(entry("m" + std::to_string(i)));
      tx.audit().appendMany(many);  // more than one multi-row INSERT
      tx.audit().append(entry("k2"));
    });
    auto v = verify();
    CPPUNIT_ASSERT_MESSAGE(v.broken() ? v.broken()->message : "", !v.broken());
    CPPUNIT_ASSERT_EQUAL(int64_t(252), v.rows());
    std::string last;
    *session << "SELECT object_id FROM audit_log WHERE seq = 252", into(last), now;
    CPPUNIT_ASSERT_EQUAL(std::string("k2"), last);
  }

  void rolledBackTransactionLeavesNoRowAndNoGapInTheChain() {
    store->write([](Transaction& tx) { tx.audit().append(entry("k1")); });
    CPPUNIT_ASSERT_THROW(store->write([](Transaction& tx) {
      tx.audit().append(entry("k2"));
      throw std::runtime_error("the change fails");
    }),
                         std::runtime_error);
    store->write([](Transaction& tx) { tx.audit().append(entry("k3")); });
    auto v = verify();
    CPPUNIT_ASSERT(!v.broken());
    CPPUNIT_ASSERT_EQUAL(int64_t(2), v.rows());
  }

  void anAuditInsertThatFailsRollsBackTheChangeItRecords() {
    *session << "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log"
                " BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
        now;
    AccessToken t;
    t.id = "tok_1";
    t.digestHex = std::string(64, 'c');
    t.role = Role::Admin;
    CPPUNIT_ASSERT_THROW(store->write([&](Transaction& tx) {
      tx.tokens().insert(t);
      tx.audit().append(entry("tok_1"));
    }),
                         std::exception);
    int n = -1;
    *session << "SELECT COUNT(*) FROM access_tokens", into(n), now;
    CPPUNIT_ASSERT_EQUAL(0, n);
    *session << "DROP TRIGGER audit_refused", now;
    auto v = verify();
    CPPUNIT_ASSERT(!v.broken());
    CPPUNIT_ASSERT_EQUAL(int64_t(0), v.rows());
  }

  void aRowWithoutAPlaceInTheChainWrittenLaterIsReported() {
    store->write([](Transaction& tx) { tx.audit().append(entry("k1")); });
    *session << "INSERT INTO audit_log (id, at, actor, action, object_type, object_id, tenant,"
                " detail) VALUES ('aud_forged', 1764547200000, 'x', 'key.create', 'key', 'k', '',"
                " '{}')",
        now;
    auto v = verify();
    CPPUNIT_ASSERT(v.broken());
    CPPUNIT_ASSERT(v.broken()->kind == AuditBreak::Kind::Unchained);
    CPPUNIT_ASSERT_EQUAL(std::string("aud_forged"), v.broken()->id);
  }

  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
  std::unique_ptr<Poco::Data::Session> session;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SqlAuditLogTest);
