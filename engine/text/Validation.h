#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/Error.h"

namespace keywarden::engine {

// Field checks shared by the services. Each returns the error for `field`, or nullopt.
// Lengths count characters (Unicode code points), not bytes. Every check refuses text that is
// not UTF-8. Stateless; thread-safe.
class Validation {
 public:
  // The largest quota, refill amount or minQuota: far below int64, so sums of quotas, refills
  // and leased units never overflow.
  static constexpr int64_t kMaxQuota = 1'000'000'000'000'000LL;
  // A one-line display name: 1-200 characters (0 allowed unless `required`), no controls.
  static std::optional<Error> name(const std::string& field, const std::string& v, bool required);
  // Free text of at most `maxChars` characters; `multiline` allows tab, LF and CR.
  static std::optional<Error> text(const std::string& field, const std::string& v, size_t maxChars,
                                   bool multiline);
  static std::optional<Error> id(const std::string& field, const std::string& v);
  static std::optional<Error> tenant(const std::string& field, const std::string& v);
  // An e-mail address as a mail server takes it in an envelope (RFC 5321 §4.1.2 Mailbox,
  // ASCII only): a dot-atom local part of at most 64 characters, '@', and a domain of
  // dot-separated labels of letters, digits and inner hyphens; at most 254 characters.
  // No spaces, controls, quotes, '<', '>', ',', ';', brackets or comments.
  static std::optional<Error> email(const std::string& field, const std::string& v);
  static std::optional<Error> token(const std::string& field, const std::string& v);  // no spaces
  // A scope: 1-128 of the characters A-Z a-z 0-9 and : . _ - * / (so never ',' or a space,
  // which separate scopes in X-Keywarden-Scopes, nor a control character).
  static bool isScope(const std::string& v);
  static std::optional<Error> scope(const std::string& field, const std::string& v);
  // At most 256 scopes, each isScope.
  static std::optional<Error> scopes(const std::string& field, const std::vector<std::string>& v);
};

}  // namespace keywarden::engine
