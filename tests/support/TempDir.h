#pragma once

#include <string>

namespace keywarden::test {

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "kwtest");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return _path; }
  std::string file(const std::string& name) const { return _path + "/" + name; }

 private:
  std::string _path;
};

// Writes `content` to `path`.
void writeFile(const std::string& path, const std::string& content);
std::string readFile(const std::string& path);
// A TCP port on 127.0.0.1 that was free a moment ago: below the kernel's ephemeral range, and
// never the same twice in one process. Thread-safe.
int freePort();

}  // namespace keywarden::test
