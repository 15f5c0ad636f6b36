#include "tests/support/TempDir.h"

#include <Poco/File.h>
#include <Poco/Net/ServerSocket.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

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

namespace {
// The low end of the kernel's ephemeral range: ports from there up are what outgoing
// connections (every test's clients, nginx's upstream connections) are given at any moment.
int ephemeralLow() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  in >> low;
  return low > 12000 ? low : 32768;
}

bool bindable(int port) {
  try {
    Poco::Net::ServerSocket s;
    s.bind(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), false);
    s.close();
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}
}  // namespace

int freePort() {
  // Not bind(0): the kernel may hand the same port out twice in a row (a test's server then met
  // its own gateway.port as http.port), and a port in the ephemeral range can be taken by an
  // outgoing connection before the server binds it. So: a random port below that range, never
  // one handed out before in this process.
  static std::mutex mu;
  static std::set<int> given;
  static std::mt19937 rng{std::random_device{}() ^ static_cast<unsigned>(getpid())};
  static const int low = ephemeralLow();
  std::lock_guard<std::mutex> lock(mu);
  std::uniform_int_distribution<int> pick(10000, low - 1);
  for (int i = 0; i < 1000; ++i) {
    int port = pick(rng);
    if (given.count(port) || !bindable(port)) continue;
    given.insert(port);
    return port;
  }
  throw std::runtime_error("no free port below " + std::to_string(low));
}

}  // namespace keywarden::test
