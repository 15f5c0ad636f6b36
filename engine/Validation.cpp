#include "engine/Validation.h"

#include "engine/Ids.h"

namespace keywarden::engine {

std::optional<Error> Validation::name(const std::string& f, const std::string& v, bool required) {
  if (v.empty() && required) return Error::badInput(f, f + " is required", "MISSING_FIELD");
  if (v.size() > 200) return Error::badInput(f, f + " is longer than 200 characters");
  return std::nullopt;
}

std::optional<Error> Validation::id(const std::string& f, const std::string& v) {
  if (!Ids::valid(v))
    return Error::badInput(f,
                           f + " must be 1-64 characters of letters, digits, '.', '_', ':' or '-'");
  return std::nullopt;
}

std::optional<Error> Validation::tenant(const std::string& f, const std::string& v) {
  if (!Ids::validTenant(v))
    return Error::badInput(f, f + " must be 1-64 characters of a-z, 0-9, '_' or '-'");
  return std::nullopt;
}

std::optional<Error> Validation::email(const std::string& f, const std::string& v) {
  auto at = v.find('@');
  if (v.size() > 254 || at == std::string::npos || at == 0 || at + 1 >= v.size() ||
      v.find_first_of(" \t\r\n<>,;\"") != std::string::npos ||
      v.find('@', at + 1) != std::string::npos)
    return Error::badInput(f, f + " is not an e-mail address");
  return std::nullopt;
}

std::optional<Error> Validation::token(const std::string& f, const std::string& v) {
  if (v.empty() || v.size() > 128 || v.find_first_of(" \t\r\n\"") != std::string::npos)
    return Error::badInput(f, f + " must be 1-128 characters without spaces or quotes");
  return std::nullopt;
}

std::optional<Error> Validation::scopes(const std::string& f, const std::vector<std::string>& v) {
  if (v.size() > 256) return Error::badInput(f, f + " holds more than 256 scopes");
  for (const auto& s : v)
    if (auto e = token(f, s))
      return Error::badInput(f, "each scope " + e->message.substr(f.size() + 1));
  return std::nullopt;
}

}  // namespace keywarden::engine
