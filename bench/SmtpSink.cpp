// A fast SMTP sink for the approvals benchmark (bench/approvals.py --sink native): takes every
// message and writes DIR/new/NNNNNN.json (to, from, subject, messageId, date, mailFrom, rcptTos),
// the file tests/support/strict_smtp.py --fast writes, but in C++ and without the raw .eml copy
// or the rename: the harness reads only the JSON and retries a file it finds half-written. The
// Python sink's own CPU (about 1 ms a mail, a third of the benchmark's two cores at 4 mails per
// application) then no longer decides the figure. It checks nothing: it is not a test receiver.
//   smtp_sink --listen 127.0.0.1:PORT --dir DIR      prints "listening" once it accepts
// Protocol: RFC 5321's EHLO/HELO, MAIL, RCPT, DATA (dot-stuffing undone), RSET, NOOP, QUIT; one
// thread per connection (Poco::Net::TCPServer). Header values are written as sent (folded lines
// joined; RFC 2047 encoded words are not decoded). Stops on SIGINT or SIGTERM.
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string g_dir;
std::atomic<unsigned> g_seq{0};

bool startsWithNoCase(const std::string& s, const char* prefix) {
  for (size_t i = 0; prefix[i] != '\0'; ++i)
    if (i >= s.size() || std::toupper(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// The address inside <...> of a MAIL FROM / RCPT TO line.
std::string pathOf(const std::string& line) {
  size_t a = line.find('<'), b = line.find('>');
  return a == std::string::npos || b == std::string::npos || b < a ? std::string()
                                                                   : line.substr(a + 1, b - a - 1);
}

// The first value of each header field the harnesses read, folded lines joined.
Poco::JSON::Object::Ptr headerFields(const std::string& msg) {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
  const size_t end = msg.find("\r\n\r\n");
  const std::string head = msg.substr(0, end == std::string::npos ? msg.size() : end);
  std::vector<std::string> fields;
  std::istringstream in(head);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!fields.empty() && !line.empty() && (line[0] == ' ' || line[0] == '\t'))
      fields.back() += line;
    else
      fields.push_back(line);
  }
  const std::pair<const char*, const char*> names[] = {{"TO:", "to"},
                                                       {"FROM:", "from"},
                                                       {"SUBJECT:", "subject"},
                                                       {"MESSAGE-ID:", "messageId"},
                                                       {"DATE:", "date"}};
  for (const auto& f : fields)
    for (const auto& [prefix, key] : names)
      if (startsWithNoCase(f, prefix) && !out->has(key)) {
        size_t v = f.find_first_not_of(" \t", std::char_traits<char>::length(prefix));
        out->set(key, v == std::string::npos ? std::string() : f.substr(v));
      }
  return out;
}

void store(const std::string& msg, const std::string& from, const std::vector<std::string>& to) {
  char name[32];
  std::snprintf(name, sizeof name, "%06u", ++g_seq);
  Poco::JSON::Object::Ptr fields = headerFields(msg);
  fields->set("mailFrom", from);
  Poco::JSON::Array::Ptr rcpts = new Poco::JSON::Array;
  for (const auto& r : to) rcpts->add(r);
  fields->set("rcptTos", rcpts);
  std::ofstream json(g_dir + "/new/" + name + ".json", std::ios::binary);
  Poco::JSON::Stringifier::condense(fields, json);
}

class Session : public Poco::Net::TCPServerConnection {
 public:
  using Poco::Net::TCPServerConnection::TCPServerConnection;

  void run() override {
    say("220 sink.localhost ESMTP\r\n");
    std::string from, data;
    std::vector<std::string> to;
    bool inData = false;
    for (std::string line; readLine(line);) {
      if (inData) {
        if (line == ".") {
          store(data, from, to);
          data.clear();
          from.clear();
          to.clear();
          inData = false;
          say("250 2.0.0 OK\r\n");
        } else {
          data += line[0] == '.' ? line.substr(1) : line;  // RFC 5321 4.5.2
          data += "\r\n";
        }
      } else if (startsWithNoCase(line, "EHLO")) {
        say("250-sink.localhost\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n");
      } else if (startsWithNoCase(line, "HELO") || startsWithNoCase(line, "NOOP")) {
        say("250 OK\r\n");
      } else if (startsWithNoCase(line, "MAIL FROM:")) {
        from = pathOf(line);
        to.clear();
        say("250 OK\r\n");
      } else if (startsWithNoCase(line, "RCPT TO:")) {
        to.push_back(pathOf(line));
        say("250 OK\r\n");
      } else if (startsWithNoCase(line, "DATA")) {
        inData = true;
        say("354 End data with <CR><LF>.<CR><LF>\r\n");
      } else if (startsWithNoCase(line, "RSET")) {
        from.clear();
        to.clear();
        say("250 OK\r\n");
      } else if (startsWithNoCase(line, "QUIT")) {
        say("221 Bye\r\n");
        return;
      } else {
        say("502 5.5.2 Command not recognized\r\n");
      }
    }
  }

 private:
  void say(const std::string& s) { socket().sendBytes(s.data(), static_cast<int>(s.size())); }

  // One line without its CRLF; false when the peer closed.
  bool readLine(std::string& line) {
    for (;;) {
      size_t eol = _buf.find("\r\n", _pos);
      if (eol != std::string::npos) {
        line.assign(_buf, _pos, eol - _pos);
        _pos = eol + 2;
        return true;
      }
      _buf.erase(0, _pos);
      _pos = 0;
      char chunk[65536];
      int n = socket().receiveBytes(chunk, sizeof chunk);
      if (n <= 0) return false;
      _buf.append(chunk, static_cast<size_t>(n));
    }
  }

  std::string _buf;
  size_t _pos = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string listen;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--listen") listen = argv[i + 1];
    if (a == "--dir") g_dir = argv[i + 1];
  }
  if (listen.empty() || g_dir.empty()) {
    std::cerr << "usage: smtp_sink --listen 127.0.0.1:PORT --dir DIR\n";
    return 2;
  }
  Poco::File(g_dir + "/new").createDirectories();
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(listen), 64);
  auto* params = new Poco::Net::TCPServerParams;
  params->setMaxThreads(16);
  Poco::Net::TCPServer server(new Poco::Net::TCPServerConnectionFactoryImpl<Session>(), socket,
                              params);
  server.start();
  std::cout << "listening" << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  server.stop();
  return 0;
}
