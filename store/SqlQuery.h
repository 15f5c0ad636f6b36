#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "store/SqliteStatements.h"

namespace keywarden::store {

// One execution of a cached SQLite statement (store/SqliteStatements.h): binds values to its
// `$k` placeholders (or to the k-th `?`), steps through its rows and reads their columns with
// SQLite's C API. It runs on the cache's connection, so inside that connection's open
// transaction (the store's write group or read transaction).
//
// RAII: the destructor gives the statement back reset and with its bindings cleared — also when
// a step or a bind threw, or the rows were not all read — so no statement keeps a read lock or
// a stale cursor into the next transaction. Text is bound as a copy (SQLITE_TRANSIENT): the
// caller's strings may go away before the statement runs. Errors throw the Poco::Data::SQLite
// exception SQLite's code maps to (as Poco::Data does), with the SQL text in its message.
// Not thread-safe; lives on the stack of the thread that holds the connection.
class SqlQuery {
 public:
  SqlQuery(SqliteStatements& cache, const std::string& sql);
  ~SqlQuery();
  SqlQuery(const SqlQuery&) = delete;
  SqlQuery& operator=(const SqlQuery&) = delete;

  // Placeholder `$k` (k from 1); a statement written with `?` takes its k-th `?`. Throws
  // std::logic_error when a statement with named placeholders has no `$k` (a programming error).
  SqlQuery& bind(int k, const std::string& v);
  SqlQuery& bind(int k, const char* v) { return bind(k, std::string(v)); }
  SqlQuery& bind(int k, int64_t v);
  SqlQuery& bind(int k, int v) { return bind(k, static_cast<int64_t>(v)); }
  SqlQuery& bindNull(int k);
  // Binds `values` to $1, $2, … in order.
  template <typename... A>
  SqlQuery& bindAll(const A&... values) {
    int k = 0;
    (bind(++k, values), ...);
    return *this;
  }

  // Steps to the next row: true when there is one to read, false at the end.
  bool step();
  // Steps to the end; returns the rows the statement inserted, updated or deleted.
  int64_t execute();

  // Columns of the current row, from 0. NULL reads as "" and 0.
  std::string str(int col) const;
  int64_t i64(int col) const { return sqlite3_column_int64(_lent.st, col); }
  bool isNull(int col) const { return sqlite3_column_type(_lent.st, col) == SQLITE_NULL; }

 private:
  int index(int k) const;
  void check(int rc) const;

  SqliteStatements& _cache;
  SqliteStatements::Lent _lent;
};

}  // namespace keywarden::store
