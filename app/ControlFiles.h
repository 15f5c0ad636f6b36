#pragma once

#include <sys/types.h>
#include <string>

#include "app/Settings.h"

namespace keywarden::app {

// How `keywarden reload` finds a running server and learns how its reload went: two small files
// in the state directory — $STATE_DIRECTORY when systemd sets it (StateDirectory=keywarden),
// else the SQLite store's directory, else var/ — named after http.port (one server per port):
//   keywarden-<port>.pid     the server's process id, written once it listens, removed at stop
//   keywarden-<port>.reload  "<count> ok|failed <one line>", rewritten after each reload
// Both are written whole (a temporary file renamed over the old one), mode 0600. They hold no
// secret. Not thread-safe: the server's signal loop is their only writer.
class ControlFiles {
 public:
  explicit ControlFiles(const Settings& s);

  const std::string& pidPath() const { return _pid; }
  const std::string& statusPath() const { return _status; }

  void writePid(pid_t pid) const;
  void removePid() const;
  // Records reload number `count`.
  void writeStatus(long count, bool ok, const std::string& message) const;

  struct Status {
    long count = 0;  // 0: no reload yet
    bool ok = false;
    std::string message;
  };
  Status readStatus() const;
  pid_t readPid() const;  // 0 when there is no pid file

 private:
  std::string _pid, _status;
};

}  // namespace keywarden::app
