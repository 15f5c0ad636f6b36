#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mail/TemplateSet.h"

namespace keywarden::mail {

// A delivery that did not happen. `temporary`: worth trying again (connection refused, 4xx).
// what() names the mail server (host:port) and says what went wrong; never a body or a password.
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& what, bool temporary)
      : std::runtime_error(what), _temporary(temporary) {}
  bool temporary() const { return _temporary; }

 private:
  bool _temporary;
};

// One mail of a batch.
struct OutgoingMail {
  std::string to;
  RenderedMail mail;
  std::string messageId;
};

// Hands rendered mail to a mail server. Implementations throw TransportError.
class MailTransport {
 public:
  virtual ~MailTransport() = default;
  virtual void send(const std::string& to, const RenderedMail& mail,
                    const std::string& messageId) = 0;

  // Sends `mails` one after another, over as few sessions as the transport can (SmtpTransport:
  // one SMTP session, opened again only after a failure broke it). `done(i, error)` is called
  // for mail i as soon as its outcome is known — `error` null when the server accepted it —
  // and before the next mail is sent, so the caller can record each outcome at once. Exceptions
  // thrown by `done` stop the batch and propagate. This default sends each mail through send().
  virtual void sendBatch(const std::vector<OutgoingMail>& mails,
                         const std::function<void(size_t, const TransportError*)>& done) {
    for (size_t i = 0; i < mails.size(); ++i) {
      try {
        send(mails[i].to, mails[i].mail, mails[i].messageId);
      } catch (const TransportError& e) {
        done(i, &e);
        continue;
      }
      done(i, nullptr);
    }
  }
};

}  // namespace keywarden::mail
