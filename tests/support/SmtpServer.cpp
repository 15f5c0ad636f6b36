#include "tests/support/SmtpServer.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/PartHandler.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace keywarden::test {

namespace {
class Collect : public Poco::Net::PartHandler {
 public:
  void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
    std::ostringstream s;
    Poco::StreamCopier::copyStream(stream, s);
    std::string type = header.get("Content-Type", "");
    if (type.find("text/html") != std::string::npos)
      html = s.str();
    else
      text = s.str();
  }
  std::string text, html;
};
}  // namespace

SmtpServer::SmtpServer() : _dir("kwsmtp"), _port(freePort()) {}

SmtpServer::~SmtpServer() {
  stop();
}

void SmtpServer::start() {
  std::string maildir = _dir.file("Maildir");
  std::string listen = "127.0.0.1:" + std::to_string(_port);
  std::string logPath = _dir.file("smtp.log");
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    execl("/usr/bin/python3", "python3", "-m", "aiosmtpd", "-n", "-l", listen.c_str(), "-c",
          "aiosmtpd.handlers.Mailbox", maildir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  _pid = pid;
  for (int i = 0; i < 200; ++i) {
    try {
      Poco::Net::StreamSocket s(
          Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(_port)));
      return;
    } catch (...) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  throw std::runtime_error("aiosmtpd did not start: " + readFile(logPath));
}

void SmtpServer::stop() {
  if (_pid <= 0) return;
  kill(_pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100 && waitpid(_pid, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (waitpid(_pid, &status, WNOHANG) == 0) {
    kill(_pid, SIGKILL);
    waitpid(_pid, &status, 0);
  }
  _pid = -1;
}

std::vector<ReceivedMail> SmtpServer::messages() const {
  std::vector<ReceivedMail> out;
  std::string dir = _dir.file("Maildir/new");
  if (!Poco::File(dir).exists()) return out;
  std::vector<std::string> files;
  for (Poco::DirectoryIterator it(dir), end; it != end; ++it) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    ReceivedMail m;
    m.raw = readFile(f);
    std::istringstream in(m.raw);
    Poco::Net::MailMessage msg;
    Collect parts;
    msg.read(in, parts);
    m.to = msg.get("To", "");
    m.subject = Poco::Net::MailMessage::decodeWord(msg.getSubject());
    m.messageId = msg.get("Message-ID", "");
    m.text = parts.text;
    m.html = parts.html;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<ReceivedMail> SmtpServer::messagesTo(const std::string& to) const {
  std::vector<ReceivedMail> out;
  for (auto& m : messages())
    if (m.to.find(to) != std::string::npos) out.push_back(std::move(m));
  return out;
}

std::vector<ReceivedMail> SmtpServer::waitFor(const std::string& to, size_t n, int seconds) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (true) {
    auto got = messagesTo(to);
    if (got.size() >= n || std::chrono::steady_clock::now() > deadline) return got;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string findLink(const std::string& text, const std::string& fragment) {
  static const std::regex link(R"(https?://[^\s"<>]+)");
  for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it)
    if (it->str().find(fragment) != std::string::npos) return it->str();
  return "";
}

}  // namespace keywarden::test
