#include "store/SqlQuery.h"

#include <Poco/Data/SQLite/Utility.h>

#include <stdexcept>
#include <string>

namespace keywarden::store {

SqlQuery::SqlQuery(SqliteStatements& cache, const std::string& sql)
    : _cache(cache), _lent(cache.acquire(sql)) {}

SqlQuery::~SqlQuery() {
  _cache.release(_lent);
}

void SqlQuery::check(int rc) const {
  if (rc == SQLITE_OK) return;
  Poco::Data::SQLite::Utility::throwException(_cache.db(), rc, sqlite3_sql(_lent.st));
}

int SqlQuery::index(int k) const {
  char name[16];
  name[0] = '$';
  int n = 1;
  char digits[12];
  int d = 0;
  for (unsigned v = static_cast<unsigned>(k); v > 0 || d == 0; v /= 10) digits[d++] = '0' + v % 10;
  while (d > 0) name[n++] = digits[--d];
  name[n] = '\0';
  int i = sqlite3_bind_parameter_index(_lent.st, name);
  if (i > 0) return i;
  // `?` placeholders bind by position; a statement with named ones that lacks `$k` would
  // otherwise take the value at some other parameter's position without a word.
  if (sqlite3_bind_parameter_count(_lent.st) > 0 &&
      sqlite3_bind_parameter_name(_lent.st, 1) != nullptr)
    throw std::logic_error(std::string("SqlQuery: no parameter ") + name +
                           " in: " + sqlite3_sql(_lent.st));
  return k;
}

SqlQuery& SqlQuery::bind(int k, const std::string& v) {
  check(sqlite3_bind_text(_lent.st, index(k), v.data(), static_cast<int>(v.size()),
                          SQLITE_TRANSIENT));
  return *this;
}

SqlQuery& SqlQuery::bind(int k, int64_t v) {
  check(sqlite3_bind_int64(_lent.st, index(k), v));
  return *this;
}

SqlQuery& SqlQuery::bindNull(int k) {
  check(sqlite3_bind_null(_lent.st, index(k)));
  return *this;
}

bool SqlQuery::step() {
  int rc = sqlite3_step(_lent.st);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  check(rc);
  return false;
}

int64_t SqlQuery::execute() {
  while (step()) {
  }
  return sqlite3_changes(_cache.db());
}

std::string SqlQuery::str(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(_lent.st, col));
  if (p == nullptr) return std::string();
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(_lent.st, col)));
}

}  // namespace keywarden::store
