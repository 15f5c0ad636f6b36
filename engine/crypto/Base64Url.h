#pragma once

#include <optional>
#include <string>

namespace keywarden::engine {

// RFC 4648 §5 base64url without padding: safe in URL paths.
class Base64Url {
 public:
  static std::string encode(const std::string& bytes);
  static std::optional<std::string> decode(const std::string& text);
};

}  // namespace keywarden::engine
