#include "store/SqliteCacheScan.h"

#include <Poco/Data/SQLite/Utility.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "store/CacheRowDecoder.h"

namespace keywarden::store {

namespace {

struct SqliteRow {
  sqlite3_stmt* st;
  // One call per text value, its length by strlen (the cache's text columns hold no NUL: ids,
  // names, JSON, hex).
  std::string_view text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
    return p ? std::string_view(p) : std::string_view();
  }
  int64_t i64(int col) const { return sqlite3_column_int64(st, col); }
};

using Connection = std::unique_ptr<sqlite3, int (*)(sqlite3*)>;

// A read-only connection of its own to the session's database file, opened without SQLite's
// per-connection mutex (SQLITE_OPEN_NOMUTEX: this thread alone uses it): in a serialized build
// every sqlite3_column_* call takes that mutex, 14 % of a million-key start-up under perf.
// Null for a database without a file (":memory:", a temp database): the scan then reads on
// the session's connection.
Connection ownConnection(sqlite3* session) {
  Connection none(nullptr, sqlite3_close);
  const char* file = sqlite3_db_filename(session, "main");
  if (file == nullptr || *file == '\0') return none;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(file, &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  Connection db(raw, sqlite3_close);
  if (rc != SQLITE_OK) return none;
  // The session's busy timeout (db.busyTimeout): a writer's checkpoint or a rollback-journal
  // commit may hold the file for a moment.
  sqlite3_stmt* st = nullptr;
  int timeoutMs = 10000;
  if (sqlite3_prepare_v2(session, "PRAGMA busy_timeout", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    timeoutMs = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_busy_timeout(raw, timeoutMs);
  return db;
}

}  // namespace

void SqliteCacheScan::run(Poco::Data::Session& s, size_t chunk,
                          const std::function<void(std::vector<engine::Key>&)>& fn) {
  sqlite3* session = Poco::Data::SQLite::Utility::dbHandle(s);
  Connection own = ownConnection(session);
  sqlite3* db = own ? own.get() : session;
  const std::string sql =
      std::string("SELECT ") + CacheRowDecoder::kCacheColumns + " FROM api_keys";
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
  if (rc != SQLITE_OK && db != session) {
    // Whatever the own connection could not do (a lock, a file it may not read), the
    // session's connection reads as it did before.
    sqlite3_finalize(raw);
    raw = nullptr;
    db = session;
    rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
  }
  if (rc != SQLITE_OK) Poco::Data::SQLite::Utility::throwException(db, rc, sql);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
  std::vector<engine::Key> keys(chunk);
  size_t n = 0;
  SqliteRow row{raw};
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    if (n == 0 && keys.size() != chunk) keys.resize(chunk);  // `fn` swapped in another vector
    CacheRowDecoder::decode(row, keys[n]);
    if (++n == chunk) {
      fn(keys);
      n = 0;
    }
  }
  if (rc != SQLITE_DONE) Poco::Data::SQLite::Utility::throwException(db, rc, sql);
  if (n > 0) {
    keys.resize(n);
    fn(keys);
  }
}

}  // namespace keywarden::store
