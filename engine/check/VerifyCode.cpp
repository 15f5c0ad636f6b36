#include "engine/check/VerifyCode.h"

namespace keywarden::engine {

std::string_view verifyCodeName(VerifyCode c) {
  switch (c) {
    case VerifyCode::Valid:
      return "VALID";
    case VerifyCode::Malformed:
      return "MALFORMED";
    case VerifyCode::NotFound:
      return "NOT_FOUND";
    case VerifyCode::Revoked:
      return "REVOKED";
    case VerifyCode::Expired:
      return "EXPIRED";
    case VerifyCode::Disabled:
      return "DISABLED";
    case VerifyCode::NotYetActive:
      return "NOT_YET_ACTIVE";
    case VerifyCode::Forbidden:
      return "FORBIDDEN";
    case VerifyCode::RateLimited:
      return "RATE_LIMITED";
    case VerifyCode::UsageExceeded:
      return "USAGE_EXCEEDED";
    case VerifyCode::TooManyAttempts:
      return "TOO_MANY_ATTEMPTS";
  }
  return "MALFORMED";
}

}  // namespace keywarden::engine
