#pragma once

#include <cstddef>
#include <cstdint>
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
  // Whether a write transaction failed because of other transactions and may be tried again:
  // PostgreSQL aborts one of two deadlocked transactions (SQLSTATE 40P01), may refuse to
  // serialise one (40001), and gives up a lock wait at lock_timeout (55P03).
  bool retryable(const std::string& error) const {
    return _kind == DialectKind::PostgreSQL &&
           (error.find("40P01") != std::string::npos ||
            error.find("deadlock detected") != std::string::npos ||
            error.find("40001") != std::string::npos ||
            error.find("could not serialize") != std::string::npos ||
            error.find("55P03") != std::string::npos ||
            error.find("lock timeout") != std::string::npos);
  }
  // A PostgreSQL advisory-lock key for `name`: 63 bits of its FNV-1a hash.
  static int64_t advisoryKey(const std::string& name) {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
    return static_cast<int64_t>(h >> 1);
  }
  // Taken at the start of each migration's transaction, so two instances starting at once
  // on one PostgreSQL apply each migration once (SQLite's BEGIN IMMEDIATE already excludes).
  std::string migrationLock() const {
    return _kind == DialectKind::PostgreSQL ? "SELECT 1 FROM pg_advisory_xact_lock(7274617)" : "";
  }
  // Appended to a SELECT that reads a row about to be updated.
  std::string forUpdate() const { return _kind == DialectKind::SQLite ? "" : " FOR UPDATE"; }
  // A column reference that SQLite must not use an index for (its planner would otherwise
  // pick the low-selectivity `status` index over `ref_id` and scan every pending job).
  std::string noIndex(const std::string& column) const {
    return _kind == DialectKind::SQLite ? "+" + column : column;
  }
  // `n` comma-separated placeholders numbered from `first`, for long IN lists and multi-row
  // INSERTs. `$1 … $first-1` must already appear earlier in the statement. SQLite gets
  // anonymous `?`, numbered in order of appearance: it looks a named `$k` up linearly among
  // the names seen so far, so preparing a list of hundreds of them costs O(n²) string compares
  // (measured: 40 % of an expiry sweep's CPU).
  std::string params(size_t first, size_t n) const {
    std::string out;
    out.reserve(n * 6);
    for (size_t i = 0; i < n; ++i) {
      if (i) out += ", ";
      if (_kind == DialectKind::SQLite)
        out += '?';
      else
        out += '$' + std::to_string(first + i);
    }
    return out;
  }
  // Appended to a SELECT that claims work rows, so two instances never claim the same one.
  std::string skipLocked() const {
    return _kind == DialectKind::SQLite ? "" : " FOR UPDATE SKIP LOCKED";
  }

 private:
  DialectKind _kind;
};

}  // namespace keywarden::store
