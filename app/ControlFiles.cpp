#include "app/ControlFiles.h"

#include <Poco/File.h>
#include <Poco/Path.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace keywarden::app {

namespace {
std::string stateDirectory(const Settings& s) {
  if (const char* d = std::getenv("STATE_DIRECTORY"); d && *d) {
    std::string dir(d);
    return dir.substr(0, dir.find(':'));  // systemd lists several as a:b
  }
  if (s.db.connector == "sqlite") {
    Poco::Path p(s.db.connection);
    std::string parent = p.parent().toString();
    return parent.empty() ? "." : parent;
  }
  return "var";
}

void writeWhole(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(tmp + ": cannot be written: " + std::strerror(errno));
  ssize_t n = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size()) || ::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error(path + ": cannot be written: " + std::strerror(errno));
}

std::string readWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream o;
  o << in.rdbuf();
  return o.str();
}
}  // namespace

ControlFiles::ControlFiles(const Settings& s) {
  std::string dir = stateDirectory(s);
  std::string base = dir + "/keywarden-" + std::to_string(s.httpPort);
  _pid = base + ".pid";
  _status = base + ".reload";
}

void ControlFiles::writePid(pid_t pid) const {
  Poco::File(Poco::Path(_pid).parent()).createDirectories();
  writeWhole(_pid, std::to_string(pid) + "\n");
}

void ControlFiles::removePid() const {
  ::unlink(_pid.c_str());
}

void ControlFiles::writeStatus(long count, bool ok, const std::string& message) const {
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  writeWhole(_status, std::to_string(count) + (ok ? " ok " : " failed ") + line + "\n");
}

ControlFiles::Status ControlFiles::readStatus() const {
  Status st;
  std::string text = readWhole(_status);
  std::istringstream in(text);
  std::string word;
  if (!(in >> st.count >> word)) return Status{};
  st.ok = word == "ok";
  std::getline(in, st.message);
  if (!st.message.empty() && st.message.front() == ' ') st.message.erase(0, 1);
  return st;
}

pid_t ControlFiles::readPid() const {
  std::string text = readWhole(_pid);
  long pid = std::strtol(text.c_str(), nullptr, 10);
  return pid > 0 ? static_cast<pid_t>(pid) : 0;
}

}  // namespace keywarden::app
