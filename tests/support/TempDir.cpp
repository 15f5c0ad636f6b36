#include "tests/support/TempDir.h"

#include <Poco/File.h>
#include <Poco/Net/ServerSocket.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace keywarden::test {

TempDir::TempDir(const std::string& tag) {
  std::string tmpl = "/tmp/" + tag + "-XXXXXX";
  char* p = mkdtemp(tmpl.data());
  if (p == nullptr) throw std::runtime_error("mkdtemp failed");
  _path = p;
}

TempDir::~TempDir() {
  try {
    Poco::File(_path).remove(true);
  } catch (...) {
  }
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int freePort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  int port = s.address().port();
  s.close();
  return port;
}

}  // namespace keywarden::test
