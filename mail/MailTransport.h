#pragma once

#include <stdexcept>
#include <string>

#include "mail/TemplateSet.h"

namespace keywarden::mail {

// A delivery that did not happen. `temporary`: worth trying again (connection refused, 4xx).
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& what, bool temporary)
      : std::runtime_error(what), _temporary(temporary) {}
  bool temporary() const { return _temporary; }

 private:
  bool _temporary;
};

// Hands one rendered mail to a mail server. Implementations throw TransportError.
class MailTransport {
 public:
  virtual ~MailTransport() = default;
  virtual void send(const std::string& to, const RenderedMail& mail,
                    const std::string& messageId) = 0;
};

}  // namespace keywarden::mail
