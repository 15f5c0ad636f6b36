#pragma once

#include <string>

namespace keywarden::store {

// What differs between the SQL databases Keywarden runs on. Statements use `$1, $2…`
// placeholders, which both Poco connectors accept; everything else dialect-specific is here.
enum class DialectKind { SQLite, PostgreSQL };

class Dialect {
 public:
  explicit Dialect(DialectKind kind) : _kind(kind) {}
  DialectKind kind() const { return _kind; }
  // Starts a transaction that will write: takes SQLite's write lock up front, so a
  // read-then-write never fails half-way with "database is locked".
  std::string beginWrite() const {
    return _kind == DialectKind::SQLite ? "BEGIN IMMEDIATE" : "BEGIN";
  }
  std::string beginRead() const { return "BEGIN"; }
  // Appended to a SELECT that reads a row about to be updated.
  std::string forUpdate() const { return _kind == DialectKind::SQLite ? "" : " FOR UPDATE"; }
  // A column reference that SQLite must not use an index for (its planner would otherwise
  // pick the low-selectivity `status` index over `ref_id` and scan every pending job).
  std::string noIndex(const std::string& column) const {
    return _kind == DialectKind::SQLite ? "+" + column : column;
  }
  // Appended to a SELECT that claims work rows, so two instances never claim the same one.
  std::string skipLocked() const {
    return _kind == DialectKind::SQLite ? "" : " FOR UPDATE SKIP LOCKED";
  }

 private:
  DialectKind _kind;
};

}  // namespace keywarden::store
