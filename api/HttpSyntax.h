#pragma once

#include <string>
#include <string_view>

namespace keywarden::api {

// Small pieces of HTTP and HTML-form syntax shared by the request parsers (framing, raw header
// check, query strings, form bodies). Stateless; thread-safe.
class HttpSyntax {
 public:
  // RFC 9110 §5.6.2 `tchar`: the characters a header name or a method may hold.
  static bool isTokenChar(unsigned char c);
  // Decodes one name or value of `application/x-www-form-urlencoded` text (WHATWG URL §5.1:
  // '+' is a space, %XX a byte) into `out`. Returns false, leaving `out` undefined, on a '%' not
  // followed by two hexadecimal digits. The result is bytes: check UTF-8 yourself.
  static bool formDecode(std::string_view in, std::string& out);
};

}  // namespace keywarden::api
