#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "mail/TemplateSet.h"

namespace keywarden::mail {

// A mail that cannot be written safely (a recipient or Message-ID that is no RFC 5322 address or
// msg-id): sending it again would not help.
class CompositionError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Writes the bytes of one mail (RFC 5322, MIME RFC 2045–2047): `Date` (UTC, `+0000`),
// `From: "<fromName>" <from>`, `To`, `Subject` (encoded words when not plain ASCII),
// `Message-ID` (as given: the outbox keeps one per mail), `Auto-Submitted: auto-generated`, and a
// multipart/alternative body with the text and the HTML part, both UTF-8 in quoted-printable.
// Every line ends in CRLF and none is longer than 78 characters (headers) or 76 (bodies);
// nothing a user wrote reaches the output except encoded (MimeEncoding), so no bare CR or LF,
// no line holding only a dot, and no header of a user's making. Immutable; thread-safe.
class MessageComposer {
 public:
  // REQUIRES: MimeEncoding::isAddress(fromAddress) (checked at start-up for smtp.from).
  MessageComposer(std::string fromAddress, std::string fromName);

  // Throws CompositionError when `to` is not an address this sender can use or `messageId` is
  // not `<left@right>` of printable ASCII.
  std::string compose(const std::string& to, const RenderedMail& mail, const std::string& messageId,
                      int64_t dateUnixMs) const;

  const std::string& fromAddress() const { return _from; }

  // The MIME boundary of the body parts. It holds `=_`, which quoted-printable output never
  // does (RFC 2045 §6.7 writes `=` only as `=3D` or a soft break), so no part can contain it.
  static const char* const kBoundary;

 private:
  std::string _from;
  std::string _fromName;
};

}  // namespace keywarden::mail
