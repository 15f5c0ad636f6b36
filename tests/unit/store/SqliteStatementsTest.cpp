#include <cppunit/extensions/HelperMacros.h>

#include <Poco/Exception.h>
#include <sqlite3.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "store/SqlQuery.h"
#include "store/SqliteStatements.h"
#include "tests/support/TempDir.h"

using keywarden::store::SqliteStatements;
using keywarden::store::SqlQuery;

namespace {
using Db = std::unique_ptr<sqlite3, int (*)(sqlite3*)>;

Db open(const std::string& file) {
  sqlite3* raw = nullptr;
  if (sqlite3_open(file.c_str(), &raw) != SQLITE_OK) throw std::runtime_error("cannot open");
  sqlite3_busy_timeout(raw, 5000);
  return Db(raw, sqlite3_close);
}

void exec(sqlite3* db, const std::string& sql) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    throw std::runtime_error(sqlite3_errmsg(db));
}

// Statements of `db` that are part-way through a run (they would hold a read of the database).
int busyStatements(sqlite3* db) {
  int n = 0;
  for (sqlite3_stmt* st = sqlite3_next_stmt(db, nullptr); st; st = sqlite3_next_stmt(db, st))
    n += sqlite3_stmt_busy(st) ? 1 : 0;
  return n;
}

int statementsOpen(sqlite3* db) {
  int n = 0;
  for (sqlite3_stmt* st = sqlite3_next_stmt(db, nullptr); st; st = sqlite3_next_stmt(db, st)) ++n;
  return n;
}

int64_t count(SqliteStatements& cache) {
  SqlQuery q(cache, "SELECT COUNT(*) FROM t");
  q.step();
  return q.i64(0);
}
}  // namespace

// The per-connection prepared-statement cache and its RAII query (store/SqliteStatements,
// store/SqlQuery) over a real SQLite file in WAL mode.
class SqliteStatementsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SqliteStatementsTest);
  CPPUNIT_TEST(theSameTextIsPreparedOnceAndReused);
  CPPUNIT_TEST(aQueryAbandonedByAnExceptionMidRowsIsResetAndSeesLaterCommits);
  CPPUNIT_TEST(aStepThatFailsThrowsAndLeavesTheStatementReusable);
  CPPUNIT_TEST(bindingsAreClearedBeforeTheNextUse);
  CPPUNIT_TEST(statementsRunInsideTheConnectionsOpenTransaction);
  CPPUNIT_TEST(aStatementReusedAcrossTwoTransactionsSeesTheNewData);
  CPPUNIT_TEST(manyDistinctTextsStayWithinTheCapacity);
  CPPUNIT_TEST(aNestedUseOfTheSameTextGetsAStatementOfItsOwn);
  CPPUNIT_TEST(sqlThatDoesNotPrepareThrowsAndCachesNothing);
  CPPUNIT_TEST(questionMarkPlaceholdersBindByPosition);
  CPPUNIT_TEST(aMissingNamedPlaceholderThrowsInsteadOfBindingAnother);
  CPPUNIT_TEST(destroyingTheCacheFinalizesItsStatements);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<keywarden::test::TempDir>();
    db = std::make_unique<Db>(open(dir->file("t.db")));
    exec(db->get(), "PRAGMA journal_mode=WAL");
    exec(db->get(), "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)");
    exec(db->get(), "INSERT INTO t (name, n) VALUES ('a', 1), ('b', 2), ('c', 3)");
    cache = std::make_unique<SqliteStatements>(db->get());
  }
  void tearDown() override {
    cache.reset();
    db.reset();
    dir.reset();
  }

  void theSameTextIsPreparedOnceAndReused() {
    for (int i = 0; i < 5; ++i) {
      SqlQuery q(*cache, "SELECT n FROM t WHERE name = $1");
      q.bind(1, "b");
      CPPUNIT_ASSERT(q.step());
      CPPUNIT_ASSERT_EQUAL(int64_t(2), q.i64(0));
    }
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), cache->prepares());
    CPPUNIT_ASSERT_EQUAL(size_t(1), cache->size());
    CPPUNIT_ASSERT_EQUAL(0, busyStatements(db->get()));
  }

  void aQueryAbandonedByAnExceptionMidRowsIsResetAndSeesLaterCommits() {
    try {
      SqlQuery q(*cache, "SELECT name FROM t ORDER BY id");
      CPPUNIT_ASSERT(q.step());
      throw std::runtime_error("the caller gives up after the first row");
    } catch (const std::runtime_error&) {
    }
    // Reset: no read left open on the connection (a stale one would pin the old snapshot).
    CPPUNIT_ASSERT_EQUAL(0, busyStatements(db->get()));
    Db other = open(dir->file("t.db"));
    exec(other.get(), "INSERT INTO t (name, n) VALUES ('d', 4)");
    CPPUNIT_ASSERT_EQUAL(int64_t(4), count(*cache));
    SqlQuery q(*cache, "SELECT name FROM t ORDER BY id");
    CPPUNIT_ASSERT(q.step());
    CPPUNIT_ASSERT_EQUAL(std::string("a"), q.str(0));  // from the first row again
  }

  void aStepThatFailsThrowsAndLeavesTheStatementReusable() {
    const std::string sql = "INSERT INTO t (name, n) VALUES ($1, $2)";
    CPPUNIT_ASSERT_THROW(SqlQuery(*cache, sql).bindAll(std::string("a"), int64_t(9)).execute(),
                         Poco::Exception);  // UNIQUE(name)
    CPPUNIT_ASSERT_EQUAL(0, busyStatements(db->get()));
    CPPUNIT_ASSERT_EQUAL(int64_t(1), SqlQuery(*cache, sql).bindAll("e", int64_t(5)).execute());
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), cache->prepares());
    CPPUNIT_ASSERT_EQUAL(int64_t(4), count(*cache));
  }

  void bindingsAreClearedBeforeTheNextUse() {
    {
      SqlQuery q(*cache, "SELECT $1 IS NULL, $2 IS NULL");
      q.bind(1, "x").bind(2, int64_t(7));
      CPPUNIT_ASSERT(q.step());
      CPPUNIT_ASSERT_EQUAL(int64_t(0), q.i64(0));
    }
    SqlQuery q(*cache, "SELECT $1 IS NULL, $2 IS NULL");
    q.bind(2, int64_t(8));  // $1 left unbound: NULL, not the last use's value
    CPPUNIT_ASSERT(q.step());
    CPPUNIT_ASSERT_EQUAL(int64_t(1), q.i64(0));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), q.i64(1));
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), cache->prepares());
  }

  void statementsRunInsideTheConnectionsOpenTransaction() {
    Db other = open(dir->file("t.db"));
    exec(db->get(), "BEGIN IMMEDIATE");
    SqlQuery(*cache, "INSERT INTO t (name, n) VALUES ($1, $2)")
        .bindAll("in-tx", int64_t(9))
        .execute();
    CPPUNIT_ASSERT_EQUAL(int64_t(4), count(*cache));  // this connection sees its own write
    SqliteStatements otherCache(other.get());
    CPPUNIT_ASSERT_EQUAL(int64_t(3), count(otherCache));  // not committed: others do not
    exec(db->get(), "ROLLBACK");
    CPPUNIT_ASSERT_EQUAL(int64_t(3), count(*cache));  // rolled back with the transaction
  }

  void aStatementReusedAcrossTwoTransactionsSeesTheNewData() {
    Db other = open(dir->file("t.db"));
    exec(db->get(), "BEGIN");
    CPPUNIT_ASSERT_EQUAL(int64_t(3), count(*cache));
    exec(db->get(), "COMMIT");
    exec(other.get(), "INSERT INTO t (name, n) VALUES ('d', 4)");
    exec(db->get(), "BEGIN");
    CPPUNIT_ASSERT_EQUAL(int64_t(4), count(*cache));
    exec(db->get(), "COMMIT");
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), cache->prepares());
  }

  void manyDistinctTextsStayWithinTheCapacity() {
    SqliteStatements small(db->get(), 8);
    for (int i = 0; i < 100; ++i) {
      SqlQuery q(small, "SELECT " + std::to_string(i) + " + n FROM t WHERE name = 'a'");
      CPPUNIT_ASSERT(q.step());
      CPPUNIT_ASSERT_EQUAL(int64_t(i + 1), q.i64(0));
      CPPUNIT_ASSERT(small.size() <= 8);
    }
    CPPUNIT_ASSERT_EQUAL(size_t(8), small.size());
    // The most recent texts stayed: using one again prepares nothing.
    uint64_t before = small.prepares();
    SqlQuery(small, "SELECT 99 + n FROM t WHERE name = 'a'").execute();
    CPPUNIT_ASSERT_EQUAL(before, small.prepares());
  }

  void aNestedUseOfTheSameTextGetsAStatementOfItsOwn() {
    const std::string sql = "SELECT name FROM t WHERE n >= $1 ORDER BY id";
    int open0 = statementsOpen(db->get());
    std::string seen;
    SqlQuery outer(*cache, sql);
    outer.bind(1, int64_t(2));
    while (outer.step()) {
      SqlQuery inner(*cache, sql);
      inner.bind(1, int64_t(3));
      CPPUNIT_ASSERT(inner.step());
      seen += outer.str(0) + inner.str(0) + ";";
    }
    CPPUNIT_ASSERT_EQUAL(std::string("bc;cc;"), seen);
    CPPUNIT_ASSERT_EQUAL(size_t(1), cache->size());
    CPPUNIT_ASSERT_EQUAL(open0 + 1, statementsOpen(db->get()));  // the inner ones finalized
  }

  void sqlThatDoesNotPrepareThrowsAndCachesNothing() {
    CPPUNIT_ASSERT_THROW(SqlQuery(*cache, "SELECT nothing FROM nowhere"), Poco::Exception);
    CPPUNIT_ASSERT_EQUAL(size_t(0), cache->size());
    CPPUNIT_ASSERT_EQUAL(0, statementsOpen(db->get()));
  }

  void questionMarkPlaceholdersBindByPosition() {
    SqlQuery q(*cache, "SELECT COUNT(*) FROM t WHERE name IN (?, ?)");
    q.bind(1, "a").bind(2, "c");
    CPPUNIT_ASSERT(q.step());
    CPPUNIT_ASSERT_EQUAL(int64_t(2), q.i64(0));
  }

  void aMissingNamedPlaceholderThrowsInsteadOfBindingAnother() {
    // `$2` is missing: its value must not land on `$3`'s position (the second parameter).
    SqlQuery q(*cache, "SELECT COUNT(*) FROM t WHERE name = $1 OR name = $3");
    q.bind(1, "a");
    CPPUNIT_ASSERT_THROW(q.bind(2, "x"), std::logic_error);
    q.bind(3, "c");
    CPPUNIT_ASSERT(q.step());
    CPPUNIT_ASSERT_EQUAL(int64_t(2), q.i64(0));
  }

  void destroyingTheCacheFinalizesItsStatements() {
    count(*cache);
    SqlQuery(*cache, "SELECT 1").execute();
    CPPUNIT_ASSERT_EQUAL(2, statementsOpen(db->get()));
    cache.reset();
    CPPUNIT_ASSERT_EQUAL(0, statementsOpen(db->get()));
  }

 private:
  std::unique_ptr<keywarden::test::TempDir> dir;
  std::unique_ptr<Db> db;
  std::unique_ptr<SqliteStatements> cache;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SqliteStatementsTest);
