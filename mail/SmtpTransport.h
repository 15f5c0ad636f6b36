#pragma once

#include <string>

#include "mail/MailTransport.h"

namespace keywarden::mail {

struct SmtpSettings {
  std::string host = "127.0.0.1";
  int port = 25;
  std::string user, password;
  bool starttls = false;
  std::string from = "keywarden@localhost";
  int timeoutMs = 30000;
};

// SMTP through Poco: SMTPClientSession, or SecureSMTPClientSession with STARTTLS (the server
// certificate is checked against the host name), AUTH LOGIN when a user is set. Each mail is
// multipart/alternative (text and HTML). One connection per mail. Thread-safe.
class SmtpTransport : public MailTransport {
 public:
  explicit SmtpTransport(SmtpSettings settings) : _s(std::move(settings)) {}
  void send(const std::string& to, const RenderedMail& mail, const std::string& messageId) override;

 private:
  SmtpSettings _s;
};

}  // namespace keywarden::mail
