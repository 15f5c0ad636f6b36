#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keywarden::mail {

// The encodings a mail needs to cross any SMTP server unchanged, as pure functions: every
// output is printable ASCII with CRLF line breaks only (RFC 5321 §2.3.8 forbids a bare CR or LF
// on the wire), so no user text can end DATA early (SMTP smuggling) or start a header of its
// own (header injection). Thread-safe (no state).
class MimeEncoding {
 public:
  // `s` with every byte sequence that is not well-formed UTF-8 (RFC 3629: no overlong form,
  // no surrogate, nothing above U+10FFFF) replaced by U+FFFD.
  static std::string sanitizeUtf8(const std::string& s);

  // RFC 2045 §6.7 quoted-printable of UTF-8 text. Every line break of the input — CR LF, a
  // bare CR or a bare LF — becomes one CRLF; every encoded line is at most 76 characters
  // (soft breaks `=` CRLF); a `.` that would start a line and the `F` of a line-leading
  // `From ` are encoded too, so no line can look like the end of DATA or an mbox separator.
  static std::string quotedPrintable(const std::string& text);

  // RFC 2047 encoded words (`=?UTF-8?B?…?=`) carrying `text` (sanitized UTF-8), split only
  // between characters, never inside one; the first word is at most `firstMax` characters long,
  // the others at most 75 (RFC 2047 §2). `firstMax` must be at least 16.
  static std::vector<std::string> encodedWords(const std::string& text, size_t firstMax);

  // A header field for unstructured text (RFC 5322 §3.2.5: Subject), ending in CRLF. Control
  // characters (CR and LF included) become spaces and the text is trimmed. Plain ASCII text
  // stays readable, folded at spaces; text with other characters, or that could not be folded
  // within 78 characters a line, or that holds `=?`, is written as encoded words, one per line.
  // No line is longer than 78 characters, and no folded line holds only white space.
  static std::string unstructuredHeader(const std::string& name, const std::string& text);

  // An address header with an optional display name (RFC 5322 §3.4 name-addr), ending in CRLF:
  // `From: "Keywarden" <keywarden@example.com>`. The name is a quoted-string when it is plain
  // ASCII, else encoded words (RFC 2047 §5(3)); control characters become spaces.
  // REQUIRES: isAddress(address).
  static std::string mailboxHeader(const std::string& name, const std::string& displayName,
                                   const std::string& address);

  // True for an address this sender can put in a header and an SMTP envelope as it is: an
  // RFC 5322 dot-atom local part, `@`, and a domain of letters, digits and hyphens (or an
  // address literal), at most 254 characters of printable ASCII.
  static bool isAddress(const std::string& address);

  // True for a name EHLO may announce (RFC 5321 §4.1.4): a domain name with at least one dot,
  // or an address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`).
  static bool isGreetingName(const std::string& name);

  // RFC 5322 §3.3 date-time in UTC with a numeric zone: `Tue, 01 Dec 2026 10:00:00 +0000`.
  static std::string date(int64_t unixMs);
};

}  // namespace keywarden::mail
