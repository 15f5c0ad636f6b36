#pragma once

// Test helper for tests/e2e: a real upstream that serves files the way most upstreams do.

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/support/HttpClient.h"
#include "tests/support/TempDir.h"

namespace keywarden::test {

// An upstream that resolves dot segments after decoding, as most do: Python's http.server
// serving a directory that holds files/a.txt (inside the grant) and admin/secret.txt (outside).
class FileServer {
 public:
  static constexpr const char* kSecret = "TOP-SECRET-7f3a9c";

  FileServer() : _dir("kwfiles"), _port(freePort()) {
    mkdir(_dir.file("root").c_str(), 0755);
    mkdir(_dir.file("root/files").c_str(), 0755);
    mkdir(_dir.file("root/admin").c_str(), 0755);
    writeFile(_dir.file("root/files/a.txt"), "public file\n");
    writeFile(_dir.file("root/admin/secret.txt"), std::string(kSecret) + "\n");
  }
  ~FileServer() { stop(); }

  void start() {
    // Debian's python3 (python3-aiosmtpd, which the tests need, depends on it).
    const char* python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    std::string root = _dir.file("root"), port = std::to_string(_port);
    std::string out = _dir.file("server.out");
    _pid = fork();
    if (_pid < 0) throw std::runtime_error("fork failed");
    if (_pid == 0) {
      FILE* f = freopen(out.c_str(), "a", stdout);
      if (f != nullptr) dup2(fileno(stdout), 2);
      execlp(python, python, "-m", "http.server", port.c_str(), "--bind", "127.0.0.1",
             "--directory", root.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        if (client().request("GET", "/files/a.txt").status == 200) return;
      } catch (...) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    throw std::runtime_error("python3 -m http.server did not answer within 10 s:\n" +
                             readFile(out));
  }

  void stop() {
    if (_pid <= 0) return;
    kill(_pid, SIGTERM);
    int status = 0;
    waitpid(_pid, &status, 0);
    _pid = -1;
  }

  int port() const { return _port; }
  HttpClient client() const { return HttpClient("127.0.0.1", _port); }

 private:
  TempDir _dir;
  int _port;
  pid_t _pid = -1;
};

}  // namespace keywarden::test
