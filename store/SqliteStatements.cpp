#include "store/SqliteStatements.h"

#include <Poco/Data/SQLite/Utility.h>

namespace keywarden::store {

SqliteStatements::SqliteStatements(sqlite3* db, size_t capacity)
    : _db(db), _capacity(capacity < 1 ? 1 : capacity) {}

SqliteStatements::~SqliteStatements() {
  for (auto& [sql, e] : _byText) sqlite3_finalize(e.st);
}

sqlite3_stmt* SqliteStatements::prepare(const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(_db, sql.c_str(), static_cast<int>(sql.size()), &st, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st);
    Poco::Data::SQLite::Utility::throwException(_db, rc, sql);
  }
  ++_prepares;
  return st;
}

void SqliteStatements::evictOne() {
  auto victim = _byText.end();
  for (auto it = _byText.begin(); it != _byText.end(); ++it)
    if (!it->second.lent &&
        (victim == _byText.end() || it->second.lastUse < victim->second.lastUse))
      victim = it;
  if (victim == _byText.end()) return;
  sqlite3_finalize(victim->second.st);
  _byText.erase(victim);
}

SqliteStatements::Lent SqliteStatements::acquire(const std::string& sql) {
  auto it = _byText.find(sql);
  if (it != _byText.end()) {
    if (it->second.lent) return Lent{prepare(sql), nullptr};  // nested use of the same text
    it->second.lent = true;
    it->second.lastUse = ++_clock;
    return Lent{it->second.st, &it->second};
  }
  sqlite3_stmt* st = prepare(sql);
  if (_byText.size() >= _capacity) evictOne();
  if (_byText.size() >= _capacity) return Lent{st, nullptr};  // every cached one is lent
  Entry& e = _byText[sql];
  e.st = st;
  e.lent = true;
  e.lastUse = ++_clock;
  return Lent{st, &e};
}

void SqliteStatements::release(const Lent& lent) noexcept {
  if (lent.st == nullptr) return;
  if (lent.entry == nullptr) {
    sqlite3_finalize(lent.st);
    return;
  }
  // reset ends the statement's read of the database (its shared lock and cursor); its return
  // code repeats the last step's error, which the step already reported.
  sqlite3_reset(lent.st);
  sqlite3_clear_bindings(lent.st);
  static_cast<Entry*>(lent.entry)->lent = false;
}

}  // namespace keywarden::store
