#pragma once

#include <Poco/Data/Session.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/ports/Store.h"
#include "store/Dialect.h"
#include "store/SqliteStatements.h"
#include "store/WriteGroup.h"

namespace keywarden::store {

struct DbSettings {
  std::string connector = "sqlite";
  std::string connection = "var/keywarden.db";
  int poolSize = 4;
  std::string synchronous = "FULL";  // SQLite: FULL loses no commit on power loss
  int busyTimeoutMs = 10000;
  WriteGroupLimits group;  // group commit of concurrent writes (store/WriteGroup.h)
};

// engine::Store over Poco::Data. Writes are serialised inside the process (one writer at a
// time, BEGIN IMMEDIATE on SQLite) so concurrent requests never see "database is locked";
// other processes (the CLI) wait on the busy timeout. Writes that queue up behind one another
// share one transaction and one COMMIT (group commit, store/WriteGroup.h): each still runs alone,
// in its own SAVEPOINT, and returns only once its group has committed. Reads use a small pool
// of sessions and, with SQLite in WAL mode, never wait for the writer. Thread-safe.
class SqlStore : public engine::Store {
 public:
  // Opens the database; throws Poco::Exception with a readable message when it cannot.
  explicit SqlStore(const DbSettings& settings);
  ~SqlStore() override;

  // Brings the schema to the newest version; returns the number of migrations applied.
  int migrate();
  int schemaVersion();

  using engine::Store::write;  // the Result-returning form
  void write(const std::function<void(engine::Transaction&)>& fn) override;
  void read(const std::function<void(engine::Transaction&)>& fn) override;
  bool ping() override;
  const Dialect& dialect() const { return _dialect; }
  // Writers waiting for the write lock now, and write transactions committed so far (one per
  // group): figures for tests and benchmarks.
  int writersWaiting() const { return _writersWaiting.load(); }
  uint64_t commits() const { return _commits.load(); }
  // Takes `name` for this process (PostgreSQL: a session advisory lock held until exit);
  // throws when another live process holds it. On SQLite it takes the store itself instead
  // (an exclusive flock on the database file, held until this object is destroyed): one
  // server per SQLite store. Throws std::runtime_error with one line naming db.connection.
  void claimName(const std::string& name);

 private:
  class Lease;
  std::unique_ptr<Poco::Data::Session> openSession();
  // After a failure on `s`: when its connection is gone, replaces it with a fresh session (if
  // the database answers again). Returns whether it was lost. PostgreSQL only.
  bool reopenIfLost(std::unique_ptr<Poco::Data::Session>& s);
  void run(Poco::Data::Session& s, class SqlTransaction& tx, const std::string& begin,
           const std::function<void(engine::Transaction&)>& fn);
  // Group commit (write): each needs the write lock held.
  void openGroup();
  // Runs one unit in its own savepoint of the open group; returns its failure (an exception
  // already mapped to StoreBusy where the database was busy or gone), or null.
  std::exception_ptr runUnit(class SqlTransaction& tx,
                             const std::function<void(engine::Transaction&)>& fn, WriteGroup& g);
  void endGroup(WriteGroup& g);  // COMMIT (or ROLLBACK when lost); wakes the members
  // Waits (releasing the lock meanwhile) until no group is open: for migrate/schemaVersion.
  void waitNoGroup(std::unique_lock<std::mutex>& lock);

  const DbSettings _settings;
  const Dialect _dialect;
  std::mutex _writeMutex;
  std::unique_ptr<Poco::Data::Session> _writer;  // guarded by _writeMutex
  std::shared_ptr<WriteGroup> _group;            // the open group; guarded by _writeMutex
  std::condition_variable _groupCv;              // a group ended (with _writeMutex)
  std::atomic<int> _writersWaiting{0};           // writers waiting for _writeMutex
  std::atomic<uint64_t> _commits{0};
  std::unique_ptr<Poco::Data::Session> _nameSession;  // holds claimName's lock
  int _lockFd = -1;                                   // SQLite: holds claimName's flock
  std::mutex _poolMutex;
  std::condition_variable _poolCv;
  std::vector<std::unique_ptr<Poco::Data::Session>> _idle;  // guarded by _poolMutex
  // SQLite: each session's prepared-statement cache, filled in the constructor and never
  // changed after (so read without a lock); declared after the sessions so that it is destroyed
  // — its statements finalized — before they close. Empty on PostgreSQL.
  std::unordered_map<const Poco::Data::Session*, std::unique_ptr<SqliteStatements>> _statements;
  SqliteStatements* statementsOf(const Poco::Data::Session& s) const;
  // Runs `sql` (no parameters, no rows) on `s`: through its statement cache on SQLite.
  void exec(Poco::Data::Session& s, const std::string& sql) const;
};

}  // namespace keywarden::store
