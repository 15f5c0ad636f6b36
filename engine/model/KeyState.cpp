#include "engine/model/KeyState.h"

namespace keywarden::engine {

std::string_view keyStateName(KeyState s) {
  switch (s) {
    case KeyState::Scheduled:
      return "SCHEDULED";
    case KeyState::Active:
      return "ACTIVE";
    case KeyState::Disabled:
      return "DISABLED";
    case KeyState::Expired:
      return "EXPIRED";
    case KeyState::Revoked:
      return "REVOKED";
  }
  return "ACTIVE";
}

std::optional<KeyState> parseKeyState(std::string_view n) {
  for (KeyState s : {KeyState::Scheduled, KeyState::Active, KeyState::Disabled, KeyState::Expired,
                     KeyState::Revoked})
    if (keyStateName(s) == n) return s;
  return std::nullopt;
}

}  // namespace keywarden::engine
