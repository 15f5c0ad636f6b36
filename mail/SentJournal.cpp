#include "mail/SentJournal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace keywarden::mail {

SentJournal::SentJournal(std::string path) : _path(std::move(path)) {
  _fd = ::open(_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (_fd < 0)
    throw std::runtime_error("cannot open the sent-mail journal " + _path + ": " +
                             std::strerror(errno));
}

SentJournal::~SentJournal() {
  if (_fd >= 0) ::close(_fd);
}

std::vector<std::string> SentJournal::read() const {
  std::lock_guard<std::mutex> lock(_m);
  std::vector<std::string> ids;
  std::ifstream in(_path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = 0;
  while (true) {
    size_t nl = all.find('\n', at);
    if (nl == std::string::npos) break;  // a torn last line (cut by the kill) is no entry
    if (nl > at) ids.push_back(all.substr(at, nl - at));
    at = nl + 1;
  }
  return ids;
}

bool SentJournal::append(const std::string& id) {
  std::string line = id + "\n";
  std::lock_guard<std::mutex> lock(_m);
  ssize_t n = ::write(_fd, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) return false;
  ++_outstanding;
  return true;
}

void SentJournal::done(size_t n) {
  std::lock_guard<std::mutex> lock(_m);
  _outstanding = n >= _outstanding ? 0 : _outstanding - n;
  if (_outstanding == 0 && ::lseek(_fd, 0, SEEK_END) > 0) (void)::ftruncate(_fd, 0);
}

void SentJournal::clear() {
  std::lock_guard<std::mutex> lock(_m);
  _outstanding = 0;
  (void)::ftruncate(_fd, 0);
}

}  // namespace keywarden::mail
