#include "mail/SmtpTransport.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Net/StringPartSource.h>

#include <memory>
#include <regex>

namespace keywarden::mail {

namespace {
// 4xx replies and network trouble are worth another try; 5xx replies are final.
bool temporary(const std::string& what) {
  static const std::regex code(R"(\b([245])\d\d\b)");
  std::smatch m;
  if (std::regex_search(what, m, code)) return m[1] != "5";
  return true;
}
}  // namespace

void SmtpTransport::send(const std::string& to, const RenderedMail& mail,
                         const std::string& messageId) {
  Poco::Net::MailMessage msg;
  msg.setSender(_s.from);
  msg.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, to));
  msg.setSubject(Poco::Net::MailMessage::encodeWord(mail.subject, "UTF-8"));
  msg.set("Message-ID", messageId);
  msg.set("Auto-Submitted", "auto-generated");
  msg.setContentType("multipart/alternative");
  msg.addContent(new Poco::Net::StringPartSource(mail.text, "text/plain; charset=UTF-8"),
                 Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
  msg.addContent(new Poco::Net::StringPartSource(mail.html, "text/html; charset=UTF-8"),
                 Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
  try {
    Poco::Net::SocketAddress address(_s.host, static_cast<Poco::UInt16>(_s.port));
    Poco::Net::StreamSocket socket;
    socket.connect(address,
                   Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(_s.timeoutMs) * 1000));
    if (_s.starttls) {
      Poco::Net::SecureSMTPClientSession session(socket);
      session.setTimeout(
          Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(_s.timeoutMs) * 1000));
      session.login(_s.host);
      Poco::Net::Context::Ptr ctx =
          new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                 Poco::Net::Context::VERIFY_RELAXED, 9, true);
      if (!session.startTLS(ctx))
        throw TransportError("the SMTP server does not offer STARTTLS", false);
      if (!_s.user.empty())
        session.login(Poco::Net::SMTPClientSession::AUTH_LOGIN, _s.user, _s.password);
      session.sendMessage(msg);
      session.close();
    } else {
      Poco::Net::SMTPClientSession session(socket);
      session.setTimeout(
          Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(_s.timeoutMs) * 1000));
      if (_s.user.empty())
        session.login(_s.host);
      else
        session.login(_s.host, Poco::Net::SMTPClientSession::AUTH_LOGIN, _s.user, _s.password);
      session.sendMessage(msg);
      session.close();
    }
  } catch (const TransportError&) {
    throw;
  } catch (const Poco::Net::SMTPException& e) {
    // A reply from the server: 5xx is final, 4xx is worth another try.
    throw TransportError(e.displayText(), temporary(e.displayText()));
  } catch (const Poco::Exception& e) {
    // Network trouble (refused, reset, timeout, DNS): always worth another try.
    throw TransportError(e.displayText(), true);
  }
}

}  // namespace keywarden::mail
