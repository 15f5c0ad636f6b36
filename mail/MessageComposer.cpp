#include "mail/MessageComposer.h"

#include "mail/MimeEncoding.h"

namespace keywarden::mail {

const char* const MessageComposer::kBoundary = "=_keywarden_alternative";

namespace {
bool isMessageId(const std::string& id) {
  if (id.size() < 5 || id.size() > 250 || id.front() != '<' || id.back() != '>') return false;
  size_t at = id.find('@');
  if (at == std::string::npos || at == 1 || at + 2 == id.size()) return false;
  for (size_t i = 1; i + 1 < id.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(id[i]);
    if (c <= 32 || c >= 127 || c == '<' || c == '>' || c == '"' || c == '\\') return false;
  }
  return true;
}

std::string part(const char* type, const std::string& content) {
  return std::string("--") + MessageComposer::kBoundary + "\r\n" + "Content-Type: " + type +
         "; charset=UTF-8\r\n" + "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
         MimeEncoding::quotedPrintable(content) + "\r\n";
}
}  // namespace

MessageComposer::MessageComposer(std::string fromAddress, std::string fromName)
    : _from(std::move(fromAddress)), _fromName(std::move(fromName)) {}

std::string MessageComposer::compose(const std::string& to, const RenderedMail& mail,
                                     const std::string& messageId, int64_t dateUnixMs) const {
  if (!MimeEncoding::isAddress(to))
    throw CompositionError(
        "the recipient address cannot be used in a mail header or an SMTP "
        "envelope (an RFC 5322 address of printable ASCII is needed)");
  if (!isMessageId(messageId)) throw CompositionError("the Message-ID is not <left@right>");
  std::string out;
  out.reserve(mail.text.size() + mail.html.size() + 1024);
  out += "Date: " + MimeEncoding::date(dateUnixMs) + "\r\n";
  out += MimeEncoding::mailboxHeader("From", _fromName, _from);
  out += MimeEncoding::mailboxHeader("To", "", to);
  out += MimeEncoding::unstructuredHeader("Subject", mail.subject);
  out += "Message-ID: " + messageId + "\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += std::string("Content-Type: multipart/alternative;\r\n boundary=\"") + kBoundary +
         "\"\r\n\r\n";
  out += part("text/plain", mail.text);
  out += part("text/html", mail.html);
  out += std::string("--") + kBoundary + "--\r\n";
  return out;
}

}  // namespace keywarden::mail
