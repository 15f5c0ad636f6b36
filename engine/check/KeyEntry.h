#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "engine/check/QuotaAccount.h"
#include "engine/check/RateWindow.h"
#include "engine/crypto/KeyDigest.h"
#include "engine/model/Grants.h"
#include "engine/model/KeyState.h"

namespace keywarden::engine {

// A key's id as the cache holds it: inline up to 24 characters (every generated id), else a
// pointer to an interned string.
class CachedId {
 public:
  void set(std::string_view id, const std::string* interned) {
    if (interned) {
      _n = kLong;
      std::memcpy(_c, &interned, sizeof interned);
    } else {
      _n = static_cast<uint8_t>(id.size());
      std::memcpy(_c, id.data(), id.size());
    }
  }
  static bool fitsInline(std::string_view id) { return id.size() <= sizeof(_c); }
  std::string_view view() const {
    if (_n != kLong) return {_c, _n};
    const std::string* s;
    std::memcpy(&s, _c, sizeof s);
    return *s;
  }

 private:
  static constexpr uint8_t kLong = 0xFF;
  char _c[24];
  uint8_t _n = 0;
};

// Refusals of one key since the last usage flush, one counter per refusal a found key can get
// (VerifyCode Revoked … UsageExceeded, in that order). Allocated at a key's first refusal and
// kept while the key stays in the cache: keys that are never refused pay one pointer.
struct RejectCounts {
  static constexpr int kFirst = 3;  // VerifyCode::Revoked
  static constexpr int kCount = 7;  // Revoked … UsageExceeded
  uint32_t n[kCount] = {};
};

// A key whose quota or rate limit is set: the state only such keys pay for.
struct Limits {
  int64_t rateLimit = 0;  // 0: none
  int64_t rateWindowMs = 0;
  RateWindow rate;
};

// One key in the check path's memory, packed: strings are pointers into the cache's interned
// pools (tenant, client, meta, grants shared by every key that has the same), limits and quota
// are allocated only for keys that have them. 168 bytes a key (160 before the usage history). The
// definition fields are written under the cache's locks (see KeyCache); counters under the entry's
// stripe lock.
struct KeyEntry {
  KeyDigest digest;
  CachedId id;
  KeyState state = KeyState::Active;  // stored state; see effectiveState()
  bool live = false;                  // the slot holds a key (removed slots are reused)
  bool dirty = false;                 // queued for the next usage flush
  uint32_t generation = 0;            // bumped when the slot is reused
  uint32_t pendingValid = 0;
  const std::string* tenant = nullptr;
  const std::string* clientId = nullptr;  // "" when the key has no client
  // The key's own meta text, freed with the key (free text: interning it would keep every
  // value ever seen); null for the usual "{}".
  std::unique_ptr<const std::string> meta;
  const Grants* grants = nullptr;
  int64_t effectiveAt = 0;
  int64_t expiresAt = 0;
  int64_t revokeAt = 0;
  int64_t version = 0;
  int64_t lastUsedAt = 0;
  std::unique_ptr<Limits> limits;         // set when the key has a rate limit
  std::unique_ptr<RejectCounts> rejects;  // refusals since the last flush, per outcome
  // Set when the key draws from a quota. Accounts live as long as the cache (KeyCache keeps
  // them), so a check may go on using one after it let go of the cache's locks.
  QuotaAccount* quota = nullptr;

  // The same rules as Key::effectiveState.
  KeyState effectiveState(int64_t now) const {
    if (state == KeyState::Revoked || (revokeAt != 0 && now >= revokeAt)) return KeyState::Revoked;
    if (state == KeyState::Expired || (expiresAt != 0 && now >= expiresAt))
      return KeyState::Expired;
    if (state == KeyState::Disabled) return KeyState::Disabled;
    if (effectiveAt != 0 && now < effectiveAt) return KeyState::Scheduled;
    return KeyState::Active;
  }
};

}  // namespace keywarden::engine
