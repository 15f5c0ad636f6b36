// libFuzzer target: mail::MessageComposer and mail::MimeEncoding, which put user text (names,
// comments, descriptions) on the SMTP wire. Invariants (RFC 5321 §4.5.3.1.6, RFC 5322 §2.1.1,
// RFC 2047 §2): the message is 7-bit, every line ends in CRLF and holds at most 998 characters,
// no header line exceeds 78, and every encoded word is at most 75 characters.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mail/MessageComposer.h"
#include "mail/MimeEncoding.h"

using namespace keywarden::mail;

namespace {
void checkWire(const std::string& m) {
  size_t end = m.find("\r\n\r\n");
  if (end == std::string::npos) std::abort();
  size_t at = 0;
  while (at < m.size()) {
    size_t nl = m.find("\r\n", at);
    if (nl == std::string::npos) std::abort();  // the message ends with CRLF
    for (size_t i = at; i < nl; ++i) {
      unsigned char c = static_cast<unsigned char>(m[i]);
      if (c == '\r' || c == '\n' || c >= 0x80 || c == 0) std::abort();
    }
    size_t len = nl - at;
    if (len > 998 || (at < end && len > 78)) std::abort();
    at = nl + 2;
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  // Three fields from one input: display name, subject, body.
  size_t a = in.find('\x01'), b = a == std::string::npos ? a : in.find('\x01', a + 1);
  std::string name = a == std::string::npos ? in : in.substr(0, a);
  std::string subject = a == std::string::npos ? in : in.substr(a + 1, b - a - 1);
  std::string body = b == std::string::npos ? in : in.substr(b + 1);
  for (const auto& w : MimeEncoding::encodedWords(MimeEncoding::sanitizeUtf8(subject), 60))
    if (w.size() > 75) std::abort();
  RenderedMail mail{subject, body, "<p>" + body + "</p>"};
  MessageComposer composer("keywarden@example.com", MimeEncoding::sanitizeUtf8(name));
  std::string wire;
  try {
    wire = composer.compose("req@example.com", mail, "<fuzz@keywarden>", 1795219200000);
  } catch (const CompositionError&) {
    return 0;
  }
  checkWire(wire);
  return 0;
}
