#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace keywarden::store {

// The prepared statements of one SQLite connection, kept for reuse and keyed by their exact SQL
// text: Poco 1.11's Poco::Data prepares a Statement again on every execution, which was a fifth
// of the approvals path's request-thread CPU (perf, bench/approvals.py). A statement runs on the
// connection it was prepared on, so inside whatever transaction that connection has open.
//
// Use it through SqlQuery (store/SqlQuery.h), which lends a statement for one execution and
// always gives it back reset (no read lock or cursor left behind, also when a step throws) with
// its bindings cleared. A text lent already (a nested use of the same SQL) gets a statement of
// its own, finalized when given back. At most `capacity` statements are kept: the least recently
// used one that is not lent is finalized to make room.
//
// Not thread-safe: one thread at a time uses a connection (the store's write lock, a read
// lease). Finalizes every statement when destroyed, which must happen before the connection
// closes. Does not own the connection.
class SqliteStatements {
 public:
  static constexpr size_t kDefaultCapacity = 96;

  // A statement lent by acquire(); give it back with release().
  struct Lent {
    sqlite3_stmt* st = nullptr;
    void* entry = nullptr;  // the cache's slot, or null for a statement of its own
  };

  explicit SqliteStatements(sqlite3* db, size_t capacity = kDefaultCapacity);
  ~SqliteStatements();
  SqliteStatements(const SqliteStatements&) = delete;
  SqliteStatements& operator=(const SqliteStatements&) = delete;

  // The statement for `sql`, prepared on first use. Throws a Poco::Data::SQLite exception
  // naming the SQL when SQLite cannot prepare it.
  Lent acquire(const std::string& sql);
  // Resets the statement and clears its bindings (or finalizes one of its own). Never throws.
  void release(const Lent& lent) noexcept;

  sqlite3* db() const { return _db; }
  size_t size() const { return _byText.size(); }
  size_t capacity() const { return _capacity; }
  // Statements prepared so far (cached or not): figures for tests.
  uint64_t prepares() const { return _prepares; }

 private:
  struct Entry {
    sqlite3_stmt* st = nullptr;
    bool lent = false;
    uint64_t lastUse = 0;
  };
  sqlite3_stmt* prepare(const std::string& sql);
  void evictOne();

  sqlite3* _db;
  size_t _capacity;
  uint64_t _clock = 0;
  uint64_t _prepares = 0;
  std::unordered_map<std::string, Entry> _byText;  // nodes: an Entry* stays valid until erased
};

}  // namespace keywarden::store
