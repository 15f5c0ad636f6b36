#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace keywarden::engine {

// Minimal JSON text helpers shared by the engine (audit details) and the api (responses).
class JsonText {
 public:
  // Appends `s` as a quoted JSON string: well-formed UTF-8 passed through, control characters
  // and DEL escaped, every byte that is not part of well-formed UTF-8 written as \ufffd.
  static void appendQuoted(std::string& out, std::string_view s);
  static std::string quoted(std::string_view s);
  // ["a","b"]
  static std::string array(const std::vector<std::string>& items);
};

}  // namespace keywarden::engine
