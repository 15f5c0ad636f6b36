#pragma once

#include <string>
#include <utility>
#include <vector>

namespace keywarden::api {

// Makes what a log line says about a request safe to write (README "Keys": no key, token, link
// or secret in any log line). Stateless; thread-safe.
class LogRedactor {
 public:
  using Params = std::vector<std::pair<std::string, std::string>>;

  // The request as a log line names it: the route's pattern with its parameters filled in —
  // except parameters that carry a secret (isSecretParam), which stay as `{name}` — then passed
  // through text(). The raw path is never used: a route added later with a token in its path is
  // safe as long as the parameter is named `token`.
  static std::string where(const std::string& pattern, const Params& params);

  // `text` with every value of `secrets` and every run of 32 or more characters of
  // [A-Za-z0-9_-] (what keys, access tokens and link tokens are made of; ids are shorter)
  // replaced by `[redacted]`, and every control byte by '?', so a line stays one line.
  static std::string text(std::string text, const std::vector<std::string>& secrets = {});

  // Whether a route parameter of this name carries a secret (`{token}`: approver and sign-in
  // links).
  static bool isSecretParam(const std::string& name) { return name == "token"; }

  // The values of the secret parameters among `params`.
  static std::vector<std::string> secretsOf(const Params& params);
};

}  // namespace keywarden::api
