#include "tests/support/SmtpServer.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/StreamSocket.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <stdexcept>
#include <thread>

namespace keywarden::test {

SmtpServer::SmtpServer() : SmtpServer(Options{}) {}

SmtpServer::SmtpServer(Options options)
    : _options(std::move(options)), _dir("kwsmtp"), _port(freePort()) {}

SmtpServer::~SmtpServer() {
  stop();
}

void SmtpServer::start() {
  std::string script = std::string(KEYWARDEN_SOURCE_DIR) + "/tests/support/strict_smtp.py";
  std::vector<std::string> args = {
      "/usr/bin/python3",   script, "--listen", "127.0.0.1:" + std::to_string(_port), "--dir",
      _dir.file("received")};
  if (!_options.certificate.empty()) {
    args.insert(args.end(), {"--cert", _options.certificate, "--key", _options.privateKey});
  }
  if (!_options.user.empty()) {
    args.insert(args.end(), {"--auth", _options.user + ":" + _options.password, "--mechanisms",
                             _options.mechanisms});
  }
  if (!_options.strict) args.push_back("--lenient");
  std::string logPath = _dir.file("smtp.log");
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
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
  throw std::runtime_error("the test SMTP server did not start: " + readFile(logPath));
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
  std::string dir = _dir.file("received/new");
  if (!Poco::File(dir).exists()) return out;
  std::vector<std::string> files;
  for (Poco::DirectoryIterator it(dir), end; it != end; ++it)
    if (it->path().size() > 5 && it->path().compare(it->path().size() - 5, 5, ".json") == 0)
      files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    ReceivedMail m;
    m.raw = readFile(f.substr(0, f.size() - 5) + ".eml");
    Poco::JSON::Object::Ptr j =
        Poco::JSON::Parser().parse(readFile(f)).extract<Poco::JSON::Object::Ptr>();
    auto str = [&](const char* k) { return j->has(k) ? j->getValue<std::string>(k) : ""; };
    m.to = str("to");
    m.from = str("from");
    m.subject = str("subject");
    m.messageId = str("messageId");
    m.date = str("date");
    m.text = str("text");
    m.html = str("html");
    m.mailFrom = str("mailFrom");
    m.helo = str("helo");
    m.authMechanism = str("authMechanism");
    m.tls = j->getValue<bool>("tls");
    m.peerPort = j->getValue<int>("peerPort");
    auto rcpts = j->getArray("rcptTos");
    for (size_t i = 0; rcpts && i < rcpts->size(); ++i)
      m.rcptTos.push_back(rcpts->getElement<std::string>(i));
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

std::string SmtpServer::refusals() const {
  std::string path = _dir.file("received/refused.log");
  return Poco::File(path).exists() ? readFile(path) : "";
}

std::string SmtpServer::log() const {
  return readFile(_dir.file("smtp.log"));
}

std::string findLink(const std::string& text, const std::string& fragment) {
  static const std::regex link(R"(https?://[^\s"<>]+)");
  for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it)
    if (it->str().find(fragment) != std::string::npos) return it->str();
  return "";
}

}  // namespace keywarden::test
