#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/support/TempDir.h"

namespace keywarden::test {

// A throw-away PostgreSQL 15 server: its own cluster in a temporary directory, listening on a
// free port on 127.0.0.1 with trust authentication for the user "postgres". initdb and postgres
// run as the postgres user (they refuse to run as root); psql and pg_dump run as we are.
class PostgresServer {
 public:
  PostgresServer();   // initdb + start; waits until it accepts connections (throws after 20 s)
  ~PostgresServer();  // fast shutdown (SIGINT, SIGKILL after 10 s); the directory is removed
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // The process-wide server, started on first use and stopped at exit.
  static PostgresServer& shared();

  int port() const { return _port; }
  // Creates an empty database kw_<n>; returns its libpq connection string.
  std::string createDatabase();
  // The dbname value of a "key=value ..." connection string.
  static std::string databaseOf(const std::string& connectionString);
  // Runs `sql` with psql (unaligned, tuples only); returns stdout without the trailing newline.
  // Throws std::runtime_error with psql's output on failure.
  std::string psql(const std::string& connectionString, const std::string& sql) const;
  // pg_dump of that database: schema, and data as INSERT statements.
  std::string dump(const std::string& connectionString) const;

 private:
  bool start();  // false if postgres lost the race for its port
  void stop();
  // Runs a client binary; returns its stdout or throws with its stderr.
  std::string client(const std::vector<std::string>& args) const;

  std::unique_ptr<TempDir> _dir;  // first member: removed only after the server has stopped
  uid_t _uid;
  gid_t _gid;
  int _port = 0;
  pid_t _pid = -1;
  pid_t _owner;  // a forked child that calls exit() must not stop our server
  std::mutex _mutex;
  int _databases = 0;
  mutable std::atomic<int> _files{0};
};

}  // namespace keywarden::test
