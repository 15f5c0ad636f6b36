#include "api/RawHeaderCheck.h"

#include "api/HttpSyntax.h"

#include <Poco/Ascii.h>

#include <cstring>
#include <string>

namespace keywarden::api {

namespace {

// White space as Poco's MessageHeader::read skips and trims it (Ascii::isSpace).
bool pocoSpace(char c) {
  return Poco::Ascii::isSpace(static_cast<unsigned char>(c));
}

FramingRefusal header(std::string message, const char* name, size_t nameLength) {
  return {400, "BAD_HEADER", std::move(message),
          name ? std::string(name, nameLength) : std::string()};
}

FramingRefusal request(std::string message) {
  return {400, "BAD_REQUEST", std::move(message), ""};
}

// The end of the line starting at `p` (the position of its LF), or nullptr when the block has
// none. `bare` is set when the line holds a CR that does not immediately precede that LF, or
// its LF has no CR before it.
const char* lineEnd(const char* p, const char* end, bool& bare) {
  const char* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
  if (!lf) return nullptr;
  bare =
      lf == p || lf[-1] != '\r' || std::memchr(p, '\r', static_cast<size_t>(lf - 1 - p)) != nullptr;
  return lf;
}
}  // namespace

std::optional<FramingRefusal> RawHeaderCheck::check(const char* data, size_t size, Head* head) {
  const char* p = data;
  const char* const end = data + size;
  bool bare = false;
  if (head) head->nameNotToken = false;
  // Empty lines before the request line (RFC 9112 §2.2); Poco skips any white space there.
  while (end - p >= 2 && p[0] == '\r' && p[1] == '\n') p += 2;
  // The request line: method SP target SP version CRLF (RFC 9112 §3).
  const char* lf = lineEnd(p, end, bare);
  if (!lf) return request("the request line does not end with CRLF (RFC 9112 §2.2)");
  if (bare)
    return request(
        "the request line ends with a bare LF or holds a bare CR: only CRLF ends a line "
        "(RFC 9112 §2.2)");
  if (std::memchr(p, 0xFF, static_cast<size_t>(lf - p)))
    return request(
        "the request line holds a 0xFF byte, which the server's HTTP parser drops (it reads it "
        "as the end of the stream) while an upstream would not");
  {
    int spaces = 0;
    bool ok = lf - 1 > p;
    for (const char* q = p; ok && q < lf - 1; ++q) {
      const unsigned char c = static_cast<unsigned char>(*q);
      if (c == ' ') {
        ok = q != p && q[-1] != ' ' && ++spaces <= 2;
      } else if (c < 0x21 || c == 0x7f) {
        ok = false;
      }
    }
    if (!ok || spaces != 2 || lf[-2] == ' ')
      return request(
          "the request line must be method, target and version separated by single spaces "
          "(RFC 9112 §3)");
    if (head) {
      const char* sp1 = static_cast<const char*>(std::memchr(p, ' ', static_cast<size_t>(lf - p)));
      const char* sp2 =
          static_cast<const char*>(std::memchr(sp1 + 1, ' ', static_cast<size_t>(lf - sp1 - 1)));
      head->method = std::string_view(p, static_cast<size_t>(sp1 - p));
      head->target = std::string_view(sp1 + 1, static_cast<size_t>(sp2 - sp1 - 1));
      head->version = std::string_view(sp2 + 1, static_cast<size_t>(lf - 1 - sp2 - 1));
      head->count = 0;
      head->tooMany = false;
    }
  }
  p = lf + 1;
  // Header lines up to the empty line.
  const char* name = nullptr;  // the last field's name, for a folded line
  size_t nameLength = 0;
  while (true) {
    lf = lineEnd(p, end, bare);
    if (!lf)
      return request(
          "the header block the server parsed does not end with an empty line (a header line "
          "too long or malformed)");
    if (bare) {
      // Name the header the line belongs to, when it has a colon.
      const char* colon =
          static_cast<const char*>(std::memchr(p, ':', static_cast<size_t>(lf - p)));
      return header(
          "a header line ends with a bare LF or holds a bare CR: only CRLF ends a line "
          "(RFC 9112 §2.2)",
          colon ? p : nullptr, colon ? static_cast<size_t>(colon - p) : 0);
    }
    const char* const eol = lf - 1;  // the CR
    if (eol == p) {
      if (lf + 1 != end)
        return request(
            "the header block ends before its empty line: a header line is malformed or too "
            "long to be read the same way by every parser");
      return std::nullopt;
    }
    if (*p == ' ' || *p == '\t')
      return header(
          "obsolete line folding (a header line starting with a space or tab) is not accepted "
          "(RFC 9112 §5.2)",
          name, nameLength);
    const char* colon = static_cast<const char*>(std::memchr(p, ':', static_cast<size_t>(eol - p)));
    if (!colon) return header("a header line has no colon (RFC 9112 §5)", nullptr, 0);
    name = p;
    nameLength = static_cast<size_t>(colon - p);
    if (nameLength == 0)
      return header("a header line has an empty name (RFC 9110 §5.1)", nullptr, 0);
    for (const char* q = p; q < colon; ++q)
      if (!HttpSyntax::isTokenChar(static_cast<unsigned char>(*q))) {
        if (head && head->count < kMaxFields) {
          head->fields[head->count++] = {std::string_view(name, nameLength), std::string_view()};
          head->nameNotToken = true;
        }
        return header(
            "a header name holds a character a field name may not hold, such as a space "
            "before the colon (RFC 9110 §5.1)",
            name, nameLength);
      }
    // The value as Poco keeps it: leading and trailing white space trimmed.
    const char* v = colon + 1;
    const char* ve = eol;
    while (v < ve && pocoSpace(*v)) ++v;
    while (ve > v && pocoSpace(ve[-1])) --ve;
    if (std::memchr(v, 0xFF, static_cast<size_t>(ve - v)))
      return header(
          "the header holds a 0xFF byte, which the server's HTTP parser drops (it reads it as "
          "the end of the stream) while an upstream would not",
          name, nameLength);
    for (const char* q = v; q + 1 < ve; ++q)
      if (q[0] == '=' && q[1] == '?')
        return header(
            "the header holds \"=?\", which the server's HTTP parser reads as the start of an "
            "RFC 2047 encoded word and rewrites (it decodes =?charset?Q|B?text?= and drops a "
            "lone \"=?\") while an upstream would not",
            name, nameLength);
    if (head) {
      if (head->count < kMaxFields)
        head->fields[head->count++] = {std::string_view(name, nameLength),
                                       std::string_view(v, static_cast<size_t>(ve - v))};
      else
        head->tooMany = true;
    }
    p = lf + 1;
  }
}

}  // namespace keywarden::api
