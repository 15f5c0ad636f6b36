#pragma once

#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "tests/support/ServerProcess.h"

namespace keywarden::test {

// Runs one SQL statement against the server's store from outside it — sqlite3 on the SQLite
// file, psql on PostgreSQL — to set up a state the API cannot reach (a FAILED job). Returns the
// tool's output; throws when the tool cannot be started or fails.
inline std::string storeSql(const ServerProcess& server, const std::string& sql) {
  std::string cmd = server.postgres()
                        ? "psql -X -q -A -t -v ON_ERROR_STOP=1 '" + server.dbPath() + "' 2>&1"
                        : "sqlite3 -cmd '.timeout 10000' '" + server.dbPath() + "' 2>&1";
  std::string script = sql + ";\n";
  std::string tmp = "/tmp/kw-storesql-" + std::to_string(::getpid()) + ".sql";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + tmp);
  std::fputs(script.c_str(), f);
  std::fclose(f);
  FILE* p = popen((cmd + " < " + tmp).c_str(), "r");
  if (!p) throw std::runtime_error("cannot start " + cmd);
  std::string out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = pclose(p);
  std::remove(tmp.c_str());
  if (rc != 0) throw std::runtime_error(cmd + ": " + out);
  return out;
}

}  // namespace keywarden::test
