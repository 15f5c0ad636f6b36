#pragma once

#include <chrono>
#include <exception>
#include <string>

namespace keywarden::store {

// One database transaction shared by several write units (group commit). SqlStore::write runs
// each unit in its own SAVEPOINT inside the group's transaction, one unit at a time under the
// store's write lock and on the caller's own thread; a unit that fails rolls back to its
// savepoint and so undoes only itself. The group commits once — one COMMIT, so one fsync on
// SQLite with synchronous=FULL — when the unit that just finished sees no other writer waiting
// for the lock, or the group reached its size or age bound. Every member waits for that COMMIT
// before it returns, so a caller never hears "done" before its unit is durable, and the
// after-commit hooks run only after the group committed. When the COMMIT fails, or the database
// dropped the whole transaction under a failing unit (SQLite does on a full disk or an I/O
// error), every member of the group fails and nothing of the group is written.
// All fields are guarded by the store's write lock.
struct WriteGroup {
  std::chrono::steady_clock::time_point openedAt = std::chrono::steady_clock::now();
  int members = 0;    // units run in this transaction so far
  bool lost = false;  // the transaction is gone (a failed savepoint rollback): commit nothing
  bool done = false;  // the group ended: committed, or failed (`failed`)
  bool failed = false;
  // Why the group failed: the database's message, and what kind of failure it was for the
  // members whose own unit succeeded (engine::StoreBusy codes; "" = an unexpected failure).
  std::string error;
  std::string busyCode;
};

// The bounds of a group: a unit waits for the group's COMMIT at most this many units or this
// long after the group's first unit began.
struct WriteGroupLimits {
  int maxMembers = 64;  // 1 = every write is its own transaction (no grouping)
  std::chrono::milliseconds maxAge{20};
};

}  // namespace keywarden::store
