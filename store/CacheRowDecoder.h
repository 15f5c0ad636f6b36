#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/Key.h"

namespace keywarden::store {

// Turns one row of the key cache's columns (kCacheColumns, in that order) into an engine::Key,
// reusing the Key's strings and vectors: a start-up load refills the same chunk of Keys again
// and again, so a million rows cost no allocation for the ids, names and lists that fit the
// capacity already there. `Row` gives `std::string_view text(int col)` and
// `int64_t i64(int col)`. Throws std::runtime_error on a malformed digest or list (the store
// is damaged: the server must not start on it). Stateless; thread-safe.
class CacheRowDecoder {
 public:
  // The SELECT list both raw scans (SqliteCacheScan, PgCacheScan) and SqlKeyRepository read.
  static constexpr const char* kCacheColumns =
      "id, tenant, client_id, digest, state, scopes, api_ids, group_ids, effective_at,"
      " expires_at, quota, remaining, quota_key_id, refill_amount, refill_interval, refilled_at,"
      " rate_limit, rate_window_ms, meta, last_used_at, revoke_at, version";

  template <typename Row>
  static void decode(const Row& r, engine::Key& k) {
    k.id.assign(r.text(0));
    k.tenant.assign(r.text(1));
    k.clientId.assign(r.text(2));
    std::string_view digest = r.text(3);
    if (!engine::KeyDigest::fromHex(digest, k.digest))
      throw std::runtime_error("api_keys row " + k.id + " holds a malformed digest");
    k.state = engine::parseKeyState(r.text(4)).value_or(engine::KeyState::Revoked);
    list(r.text(5), k.scopes);
    list(r.text(6), k.apis);
    list(r.text(7), k.groups);
    k.effectiveAt = r.i64(8);
    k.expiresAt = r.i64(9);
    k.quota = r.i64(10);
    k.remaining = r.i64(11);
    k.quotaKeyId.assign(r.text(12));
    k.refillAmount = r.i64(13);
    std::string_view interval = r.text(14);
    k.refillInterval = interval == "daily"     ? engine::RefillInterval::Daily
                       : interval == "monthly" ? engine::RefillInterval::Monthly
                                               : engine::RefillInterval::None;
    k.refilledAt = r.i64(15);
    k.rateLimit = r.i64(16);
    k.rateWindowMs = r.i64(17);
    k.meta.assign(r.text(18));
    k.lastUsedAt = r.i64(19);
    k.revokeAt = r.i64(20);
    k.version = r.i64(21);
  }

  // A stored list (a JSON array of strings, as Sql::listText writes it) into `out`, reusing
  // its strings. Escaped strings go through the JSON parser (Sql::parseList).
  static void list(std::string_view json, std::vector<std::string>& out);
};

}  // namespace keywarden::store
