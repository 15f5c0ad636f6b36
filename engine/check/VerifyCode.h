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
};
constexpr int kVerifyCodeCount = 10;

std::string_view verifyCodeName(VerifyCode c);

}  // namespace keywarden::engine
