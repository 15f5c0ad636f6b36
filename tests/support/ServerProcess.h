#pragma once

#include <sys/types.h>
#include <map>
#include <string>

#include "tests/support/HttpClient.h"
#include "tests/support/TempDir.h"

namespace keywarden::test {

// The real `keywarden serve` in a child process, on a free loopback port, with its own
// temporary directory and SQLite file. Output goes to a log file in that directory.
class ServerProcess {
 public:
  // `settings` are added to (and override) the test defaults in the properties file.
  explicit ServerProcess(std::map<std::string, std::string> settings = {});
  ~ServerProcess();

  void start();  // starts and waits until /healthz answers (throws after 15 s)
  int stop();    // SIGTERM, waits; returns the exit status
  void kill9();  // SIGKILL, waits
  bool running() const { return _pid > 0; }

  int port() const { return _port; }
  const std::string& adminToken() const { return _adminToken; }
  const std::string& dbPath() const { return _db; }
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
  std::string _adminToken;
  pid_t _pid = -1;
};

}  // namespace keywarden::test
