#pragma once

#include <sys/types.h>
#include <string>
#include <vector>

#include "tests/support/TempDir.h"

namespace keywarden::test {

// One received e-mail, decoded.
struct ReceivedMail {
  std::string to, subject, messageId, text, html, raw;
};

// A real SMTP server (Debian's python3-aiosmtpd) on a free loopback port, storing what it
// receives in a Maildir that the test reads back.
class SmtpServer {
 public:
  SmtpServer();
  ~SmtpServer();
  int port() const { return _port; }
  void start();  // waits until the port accepts connections
  void stop();
  std::vector<ReceivedMail> messages() const;
  std::vector<ReceivedMail> messagesTo(const std::string& to) const;
  // Waits (up to `seconds`) until at least `n` messages went to `to`; returns them.
  std::vector<ReceivedMail> waitFor(const std::string& to, size_t n, int seconds = 20) const;

 private:
  TempDir _dir;
  int _port;
  pid_t _pid = -1;
};

// The first http(s) link in `text` that contains `fragment`.
std::string findLink(const std::string& text, const std::string& fragment);

}  // namespace keywarden::test
