#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/Error.h"

namespace keywarden::engine {

// Field checks shared by the services. Each returns the error for `field`, or nullopt.
class Validation {
 public:
  static std::optional<Error> name(const std::string& field, const std::string& v, bool required);
  static std::optional<Error> id(const std::string& field, const std::string& v);
  static std::optional<Error> tenant(const std::string& field, const std::string& v);
  static std::optional<Error> email(const std::string& field, const std::string& v);
  static std::optional<Error> token(const std::string& field, const std::string& v);  // no spaces
  static std::optional<Error> scopes(const std::string& field, const std::vector<std::string>& v);
};

}  // namespace keywarden::engine
