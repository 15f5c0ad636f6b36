#pragma once

#include <regex>
#include <string>

#include "tests/support/HttpClient.h"

namespace keywarden::test {

// The CSRF token a page's form carries (`<input name="csrf" value="…">`), "" when none.
inline std::string csrfOf(const std::string& page) {
  std::smatch m;
  static const std::regex csrf(R"re(name="csrf" value="([^"]+)")re");
  return std::regex_search(page, m, csrf) ? m[1].str() : "";
}

// "name=value" of an answer's Set-Cookie header, ready for a Cookie header.
inline std::string cookieOf(const HttpResponse& r) {
  std::string c = r.header("set-cookie");
  return c.substr(0, c.find(';'));
}

}  // namespace keywarden::test
