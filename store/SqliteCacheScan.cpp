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
  // Each sqlite3_column_* call takes the connection's mutex: one call per text value, its
  // length by strlen (the cache's text columns hold no NUL: ids, names, JSON, hex).
  std::string_view text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
    return p ? std::string_view(p) : std::string_view();
  }
  int64_t i64(int col) const { return sqlite3_column_int64(st, col); }
};

}  // namespace

void SqliteCacheScan::run(Poco::Data::Session& s, size_t chunk,
                          const std::function<void(std::vector<engine::Key>&)>& fn) {
  sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(s);
  const std::string sql =
      std::string("SELECT ") + CacheRowDecoder::kCacheColumns + " FROM api_keys";
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
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
