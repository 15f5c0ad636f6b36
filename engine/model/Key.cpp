#include "engine/model/Key.h"

namespace keywarden::engine {

KeyState Key::effectiveState(int64_t now) const {
  if (state == KeyState::Revoked || (revokeAt != 0 && now >= revokeAt)) return KeyState::Revoked;
  if (state == KeyState::Expired || (expiresAt != 0 && now >= expiresAt)) return KeyState::Expired;
  if (state == KeyState::Disabled) return KeyState::Disabled;
  if (effectiveAt != 0 && now < effectiveAt) return KeyState::Scheduled;
  return KeyState::Active;
}

}  // namespace keywarden::engine
