#include "tests/support/ServerProcess.h"

#include "tests/support/PostgresServer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace keywarden::test {

namespace {
bool testsOnPostgres() {
  const char* db = getenv("KW_TEST_DB");
  return db && std::string(db) == "postgresql";
}
}  // namespace

ServerProcess::ServerProcess(std::map<std::string, std::string> settings) : _dir("kwserver") {
  _port = freePort();
  if (settings.count("db.connection"))
    _db = settings["db.connection"];
  else if (testsOnPostgres())
    _db = PostgresServer::shared().createDatabase();
  else
    _db = _dir.file("keywarden.db");
  _connector = settings.count("db.connector")                          ? settings["db.connector"]
               : testsOnPostgres() && !settings.count("db.connection") ? "postgresql"
                                                                       : "sqlite";
  _adminToken = "kwt_testadmin" + std::to_string(_port) + "abcdefghijklmnopqrstuvwxyz";
  std::map<std::string, std::string> props = {
      {"http.port", std::to_string(_port)},
      {"db.connector", _connector},
      {"db.connection", _db},
      {"secret", "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"},
      {"bootstrap.adminToken", _adminToken},
      {"log.level", "information"},
      {"workflows.dir", std::string(KEYWARDEN_SOURCE_DIR) + "/workflows"},
      {"templates.dir", std::string(KEYWARDEN_SOURCE_DIR) + "/templates"},
      {"usage.flushInterval", "200ms"},
  };
  for (const auto& [k, v] : settings) props[k] = v;
  std::string text;
  for (const auto& [k, v] : props) text += k + " = " + v + "\n";
  writeFile(configPath(), text);
}

ServerProcess::~ServerProcess() {
  if (_pid > 0) kill9();
}

void ServerProcess::start() {
  std::string logPath = _dir.file("server.log");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    std::string cfg = configPath();
    // Keep the test environment's KEYWARDEN_* variables from leaking into the server.
    for (char** e = environ; *e; ++e)
      if (std::string(*e).rfind("KEYWARDEN_", 0) == 0)
        unsetenv(std::string(*e).substr(0, std::string(*e).find('=')).c_str());
    for (const auto& [k, v] : _env) setenv(k.c_str(), v.c_str(), 1);
    execl(KEYWARDEN_BINARY, KEYWARDEN_BINARY, "serve", "--config", cfg.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  _pid = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(_pid, &status, WNOHANG) == _pid) {
      _pid = -1;
      throw std::runtime_error("keywarden exited at start-up:\n" + log());
    }
    try {
      if (client().request("GET", "/healthz").status == 200) return;
    } catch (...) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill9();
  throw std::runtime_error("keywarden did not answer /healthz within 15 s:\n" + log());
}

int ServerProcess::stop() {
  if (_pid <= 0) return -1;
  kill(_pid, SIGTERM);
  int status = 0;
  waitpid(_pid, &status, 0);
  _pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServerProcess::kill9() {
  if (_pid <= 0) return;
  kill(_pid, SIGKILL);
  int status = 0;
  waitpid(_pid, &status, 0);
  _pid = -1;
}

std::string ServerProcess::log() const {
  return readFile(_dir.file("server.log"));
}

std::string ServerProcess::sql(const std::string& query) const {
  if (postgres()) return PostgresServer::shared().psql(_db, query);
  std::string file = _dir.file("query.sql");
  writeFile(file, query + ";\n");
  std::string cmd = "sqlite3 -cmd '.timeout 5000' " + _db + " < " + file + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run sqlite3");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("sqlite3 failed on " + query + ": " + out);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string ServerProcess::storedBytes() const {
  if (postgres()) return PostgresServer::shared().dump(_db);
  return readFile(_db) + readFile(_db + "-wal");
}

std::map<std::string, std::string> ServerProcess::sameDatabase() const {
  return {{"db.connector", _connector}, {"db.connection", _db}};
}

int ServerProcess::runCli(const std::string& args, std::string& out) const {
  std::string cmd =
      std::string(KEYWARDEN_BINARY) + " " + args + " --config " + configPath() + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  out.clear();
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace keywarden::test
