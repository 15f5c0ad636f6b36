#pragma once

#include <string>

#include "mail/MailTransport.h"
#include "mail/MessageComposer.h"

namespace keywarden::mail {

struct SmtpSettings {
  std::string host = "127.0.0.1";
  int port = 25;
  std::string user, password;  // AUTH when user is set
  bool starttls = false;
  std::string from = "keywarden@localhost";
  std::string fromName = "Keywarden";  // the display name of From (smtp.fromName)
  // PEM file of the CAs that may sign the server's certificate, instead of the system's
  // (smtp.caFile); empty: the system's CAs.
  std::string caFile;
  // The name EHLO announces (smtp.heloName); empty: this machine's name when it is a domain
  // name with a dot, else the address literal of the local address that reaches the server.
  std::string heloName;
  int timeoutMs = 30000;  // connecting, and each reply of the server
  // The longest one mail may take, connection included: below the outbox lease (2 minutes), so
  // no other instance takes a mail that is still being sent here.
  int mailTimeoutMs = 90000;
};

// SMTP through libcurl (RFC 5321): EHLO with a proper name (RFC 5321 §4.1.4), STARTTLS required
// when `starttls` (RFC 3207: the certificate chain and the host name are checked against
// `host`, and EHLO is sent again after TLS), AUTH PLAIN — or AUTH LOGIN when the server offers
// no PLAIN — when a user is set (RFC 4954; no dependence on challenge text), MAIL FROM, RCPT TO,
// and DATA with the bytes MessageComposer writes (CRLF only; libcurl adds dot-stuffing).
// Errors name the server and port; 5xx replies are final (`temporary()` false), 4xx replies
// and network or TLS trouble are temporary, and so is everything else except a server without
// STARTTLS when it is required and a mail that cannot be composed. The password and the
// mail's body are never part of an error or a log line. Each send() is one session;
// sendBatch() sends several mails over one session. Thread-safe (no shared session).
class SmtpTransport : public MailTransport {
 public:
  explicit SmtpTransport(SmtpSettings settings);
  void send(const std::string& to, const RenderedMail& mail, const std::string& messageId) override;
  void sendBatch(const std::vector<OutgoingMail>& mails,
                 const std::function<void(size_t, const TransportError*)>& done) override;

  // The name the next session announces in EHLO (see SmtpSettings::heloName).
  std::string greetingName() const;

 private:
  SmtpSettings _s;
  MessageComposer _composer;
};

}  // namespace keywarden::mail
