#include "tests/support/PostgresServer.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace keywarden::test {

namespace {

using Clock = std::chrono::steady_clock;
const std::string kBin = "/usr/lib/postgresql/15/bin/";

// fork + exec with stdout/stderr appended to files, as uid/gid (switched to if not ours).
pid_t spawn(const std::vector<std::string>& args, const std::string& out, const std::string& err,
            uid_t uid, gid_t gid, const std::string& cwd) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls from here on: the tests may run other threads.
    int in = open("/dev/null", O_RDONLY);
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int e = out == err ? o : open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || o < 0 || e < 0) _exit(127);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    // Sockets of the test process must not stay open (and bound) in a long-lived postgres.
    close_range(3, ~0U, 0);
    if (uid != geteuid() && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0))
      _exit(126);
    if (chdir(cwd.c_str()) != 0) _exit(127);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int waitExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string tail(const std::string& path) {
  std::string s = readFile(path);
  return s.size() > 4000 ? "...\n" + s.substr(s.size() - 4000) : s;
}

// A file removed when it goes out of scope.
struct Scratch {
  std::string path;
  ~Scratch() { std::remove(path.c_str()); }
};

}  // namespace

PostgresServer::PostgresServer()
    : _dir(std::make_unique<TempDir>("kwpg")), _uid(geteuid()), _gid(getegid()), _owner(getpid()) {
  // initdb and postgres refuse to run as root.
  if (_uid == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) throw std::runtime_error("no postgres user; install postgresql-15");
    _uid = pw->pw_uid;
    _gid = pw->pw_gid;
  }
  // The postgres user must reach its directories inside our 0700 temp dir.
  chmod(_dir->path().c_str(), 0755);
  for (const char* sub : {"data", "sock"}) {
    std::string d = _dir->file(sub);
    if (mkdir(d.c_str(), 0700) != 0 || chown(d.c_str(), _uid, _gid) != 0)
      throw std::runtime_error("cannot create " + d);
  }
  std::string log = _dir->file("initdb.log");
  pid_t pid = spawn({kBin + "initdb", "-D", _dir->file("data"), "-A", "trust", "-U", "postgres",
                     "--no-sync", "-E", "UTF8", "--locale=C"},
                    log, log, _uid, _gid, _dir->path());
  if (waitExit(pid) != 0) throw std::runtime_error("initdb failed:\n" + tail(log));
  // freePort() can race with other processes; postgres then exits at once and we retry.
  for (int attempt = 0; attempt < 5; ++attempt)
    if (start()) return;
  throw std::runtime_error("postgres exited at start-up:\n" + tail(_dir->file("postgres.log")));
}

PostgresServer::~PostgresServer() {
  // After fork() a child that calls exit() must leave the parent's server and files alone.
  if (getpid() != _owner) {
    (void)_dir.release();
    return;
  }
  stop();
}

bool PostgresServer::start() {
  _port = freePort();
  std::string log = _dir->file("postgres.log");
  _pid =
      spawn({kBin + "postgres", "-D", _dir->file("data"), "-p", std::to_string(_port), "-k",
             _dir->file("sock"), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
             "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"},
            log, log, _uid, _gid, _dir->path());
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    if (waitpid(_pid, nullptr, WNOHANG) == _pid) {
      _pid = -1;
      return false;
    }
    pid_t probe = spawn({kBin + "pg_isready", "-q", "-h", "127.0.0.1", "-p", std::to_string(_port)},
                        "/dev/null", "/dev/null", geteuid(), getegid(), _dir->path());
    if (waitExit(probe) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop();
  throw std::runtime_error("postgres did not accept connections within 20 s:\n" + tail(log));
}

void PostgresServer::stop() {
  if (_pid <= 0) return;
  kill(_pid, SIGINT);  // fast shutdown: aborts open sessions instead of waiting for them
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (waitpid(_pid, nullptr, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      kill(_pid, SIGKILL);
      waitExit(_pid);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  _pid = -1;
}

PostgresServer& PostgresServer::shared() {
  // Function-local static: thread-safe first call; the destructor stops it at exit.
  static PostgresServer server;
  return server;
}

std::string PostgresServer::createDatabase() {
  std::lock_guard<std::mutex> lock(_mutex);
  std::string name = "kw_" + std::to_string(++_databases);
  std::string base = "host=127.0.0.1 port=" + std::to_string(_port) + " user=postgres dbname=";
  psql(base + "postgres", "CREATE DATABASE " + name);
  return base + name;
}

std::string PostgresServer::databaseOf(const std::string& connectionString) {
  const std::string key = "dbname=";
  for (size_t pos = connectionString.find(key); pos != std::string::npos;
       pos = connectionString.find(key, pos + 1)) {
    if (pos > 0 && connectionString[pos - 1] != ' ') continue;  // e.g. not "xdbname="
    size_t start = pos + key.size();
    return connectionString.substr(start, connectionString.find(' ', start) - start);
  }
  throw std::runtime_error("no dbname in connection string: " + connectionString);
}

std::string PostgresServer::psql(const std::string& connectionString,
                                 const std::string& sql) const {
  // A file instead of -c: no shell, no quoting problems, any size.
  Scratch file{_dir->file("q" + std::to_string(++_files) + ".sql")};
  writeFile(file.path, sql);
  std::string out = client({"psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                            connectionString, "-f", file.path});
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string PostgresServer::dump(const std::string& connectionString) const {
  return client({"pg_dump", "--inserts", "--no-owner", "-d", connectionString});
}

std::string PostgresServer::client(const std::vector<std::string>& args) const {
  std::string base = _dir->file("c" + std::to_string(++_files));
  Scratch out{base + ".out"}, err{base + ".err"};
  std::vector<std::string> argv = args;
  argv[0] = kBin + args[0];
  int status = waitExit(spawn(argv, out.path, err.path, geteuid(), getegid(), _dir->path()));
  if (status != 0)
    throw std::runtime_error(args[0] + " failed (exit " + std::to_string(status) + "):\n" +
                             readFile(err.path) + readFile(out.path));
  return readFile(out.path);
}

}  // namespace keywarden::test
