#pragma once

#include <sys/types.h>
#include <string>
#include <vector>

#include "tests/support/TempDir.h"

namespace keywarden::test {

// One received e-mail: the bytes as received and what the receiver decoded from them.
struct ReceivedMail {
  std::string to, from, subject, messageId, date, text, html, raw;
  std::string mailFrom;              // the envelope sender
  std::vector<std::string> rcptTos;  // the envelope recipients
  std::string helo;                  // the name the client's EHLO announced
  bool tls = false;                  // delivered after STARTTLS
  std::string authMechanism;         // PLAIN, LOGIN, or "" without AUTH
  int peerPort = 0;                  // the client's port: one value per TCP connection
};

// A strict SMTP server (tests/support/strict_smtp.py on Debian's python3-aiosmtpd) on a free
// loopback port. It refuses with 5xx any message a strict real server would refuse — a bare CR
// or LF, a header defect, an encoded word that splits a character or passes 75 characters, a
// header line over 78 characters, a Date without numeric zone, an EHLO name that is a bare IP —
// and keeps each accepted message (raw bytes and decoded fields) for the test to read back.
class SmtpServer {
 public:
  struct Options {
    std::string certificate, privateKey;  // set: STARTTLS offered and required
    std::string user, password;           // set: AUTH required
    std::string mechanisms = "PLAIN,LOGIN";
    bool strict = true;
  };
  SmtpServer();
  explicit SmtpServer(Options options);
  ~SmtpServer();
  int port() const { return _port; }
  void start();  // waits until the port accepts connections
  void stop();
  std::vector<ReceivedMail> messages() const;
  std::vector<ReceivedMail> messagesTo(const std::string& to) const;
  // Waits (up to `seconds`) until at least `n` messages went to `to`; returns them.
  std::vector<ReceivedMail> waitFor(const std::string& to, size_t n, int seconds = 20) const;
  // Why messages were refused, one line each.
  std::string refusals() const;
  std::string log() const;

 private:
  Options _options;
  TempDir _dir;
  int _port;
  pid_t _pid = -1;
};

// The first http(s) link in `text` that contains `fragment`.
std::string findLink(const std::string& text, const std::string& fragment);

}  // namespace keywarden::test
