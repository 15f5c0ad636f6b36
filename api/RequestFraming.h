#pragma once

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>

#include <optional>
#include <string>
#include <string_view>

#include "api/HeaderFields.h"

namespace keywarden::api {

// A request refused before any handler sees it: the status, a machine code, a sentence and
// the header to blame ("" when none). The connection is closed after the answer.
struct FramingRefusal {
  int status = 400;
  std::string code;
  std::string message;
  std::string field;

  // The answer's JSON body: {"error":{"code","message","field"}} like every other error.
  std::string json() const;
};

// What a request's header must satisfy before its body is read or a handler runs, so that
// Keywarden frames every message exactly as a strict front proxy would (RFC 9112 §6, RFC 9110
// §5 and §8.6) and refuses what two parsers could read differently (request smuggling):
// - Content-Length: at most one, decimal digits only (no sign, space, list or hex);
// - Transfer-Encoding: never with Content-Length (RFC 9112 §6.1), never in HTTP/1.0; chunked
//   request bodies are refused with 411 (send a Content-Length), any other coding with 400;
// - Host: exactly one in HTTP/1.1 (RFC 9112 §3.2), at most one in HTTP/1.0;
// - header names are tokens (no space before the colon), values hold no control character
//   other than HTAB;
// - the version is HTTP/1.0 or HTTP/1.1 (505 otherwise).
// Stateless; thread-safe.
class RequestFraming {
 public:
  // The first rule `req` breaks, or nullopt when its framing is sound.
  static std::optional<FramingRefusal> check(const Poco::Net::HTTPRequest& req);
  // The same from a request's version ("HTTP/1.1") and fields (the event-driven gateway
  // listener, which parses without Poco).
  static std::optional<FramingRefusal> check(std::string_view version, HeaderFields fields);

  // The answer for an exception thrown while Poco 1.11 parsed the request line and header
  // (HTTPServerRequestImpl's constructor): a MessageException is a malformed or oversized
  // header (400; 431 for more than 100 fields), a SyntaxException an unparseable Content-Length
  // (Poco parses it there with NumberParser::parse64: "abc", 2^64), a TimeoutException or
  // `timedOut` a header that did not arrive within http.headerTimeout (408).
  static FramingRefusal fromParseError(const Poco::Exception& e, bool timedOut);

  // Decimal digits only, at least one; the value in `out` (false on overflow of 63 bits).
  static bool parseContentLength(std::string_view value, int64_t& out);
};

}  // namespace keywarden::api
