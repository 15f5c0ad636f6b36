#pragma once

#include <sys/types.h>
#include <map>
#include <string>

#include "tests/support/HttpClient.h"
#include "tests/support/TempDir.h"

namespace keywarden::test {

// The real `keywarden serve` in a child process, on a free loopback port, with its own
// temporary directory and database: a SQLite file there, or — when the environment has
// KW_TEST_DB=postgresql — a fresh database on the test run's PostgreSQL server
// (PostgresServer::shared()). Output goes to a log file in that directory.
class ServerProcess {
 public:
  // `settings` are added to (and override) the test defaults in the properties file.
  explicit ServerProcess(std::map<std::string, std::string> settings = {});
  ~ServerProcess();

  void start();  // starts and waits until /healthz answers (throws after 15 s)
  // An environment variable for the server process (set after the test environment's
  // KEYWARDEN_* variables are removed). Call before start().
  void setEnv(const std::string& name, const std::string& value) { _env[name] = value; }
  int stop();    // SIGTERM, waits; returns the exit status
  void kill9();  // SIGKILL, waits
  bool running() const { return _pid > 0; }
  pid_t pid() const { return _pid; }  // the server process (for signals such as SIGHUP)

  int port() const { return _port; }
  const std::string& adminToken() const { return _adminToken; }
  // The SQLite path or the PostgreSQL connection string.
  const std::string& dbPath() const { return _db; }
  bool postgres() const { return _connector == "postgresql"; }
  // Runs one SQL statement on the server's database with the command-line client; returns
  // its output without the trailing newline (rows one per line, columns separated by '|').
  std::string sql(const std::string& query) const;
  // Everything the database stores, as bytes to search: the SQLite file and its WAL, or a
  // pg_dump of the database.
  std::string storedBytes() const;
  // Settings that make another ServerProcess use this one's database (several instances).
  std::map<std::string, std::string> sameDatabase() const;
  std::string configPath() const { return _dir.file("keywarden.properties"); }
  std::string log() const;
  const TempDir& dir() const { return _dir; }
  HttpClient client() const { return HttpClient("127.0.0.1", _port); }

  // Runs `keywarden <args> --config <this config>`; returns exit status, output in `out`.
  int runCli(const std::string& args, std::string& out) const;

 private:
  TempDir _dir;
  int _port;
  std::string _db;
  std::string _connector;
  std::string _adminToken;
  pid_t _pid = -1;
  std::map<std::string, std::string> _env;
};

}  // namespace keywarden::test
