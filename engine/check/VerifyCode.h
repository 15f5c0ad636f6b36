#pragma once

#include <string_view>

namespace keywarden::engine {

// The answers of the check path (contract §4), in precedence order after VALID.
enum class VerifyCode {
  Valid,
  Malformed,
  NotFound,
  Revoked,
  Expired,
  Disabled,
  NotYetActive,
  Forbidden,
  RateLimited,
  UsageExceeded,
  // Answered before any other, from memory, while the caller's client address (or the key's
  // start, for a caller that has failed too) is blocked for too many failed checks
  // (engine/abuse/AbuseGuard). Not in the contract's list: our addition.
  TooManyAttempts,
};
constexpr int kVerifyCodeCount = 11;

std::string_view verifyCodeName(VerifyCode c);

}  // namespace keywarden::engine
