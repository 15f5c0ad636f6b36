#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/Clock.h"
#include "engine/check/KeyCache.h"
#include "engine/check/QuotaSource.h"
#include "engine/check/VerifyCode.h"
#include "engine/model/Key.h"
#include "engine/text/RequestTarget.h"

namespace keywarden::engine {

class MissLookup;

struct VerifyRequest {
  std::string_view key;
  std::string_view method;  // empty: no API check
  std::string_view path;    // normalised (RequestTarget::path()); anything else is FORBIDDEN
  // Set when the gateway's method or path could not be known for sure: FORBIDDEN (in its
  // place in the precedence), with this reason in the result.
  RequestTarget::Refusal refusal = RequestTarget::Refusal::None;
  const std::vector<std::string>* scopes = nullptr;  // every one must be held
  int64_t cost = 1;
  std::string_view tenant;     // non-empty: keys of other tenants are NOT_FOUND
  bool wantMeta = false;       // copy the key's meta into the result (an allocation)
  bool noStoreLookup = false;  // set on the second pass after a MissLookup found the key
};

// A key id copied out of the cache (ids are at most 64 characters): no allocation per check.
class KeyIdText {
 public:
  void set(std::string_view id) {
    _n = static_cast<uint8_t>(std::min<size_t>(id.size(), sizeof _c));
    std::memcpy(_c, id.data(), _n);
  }
  std::string_view view() const { return {_c, _n}; }

 private:
  char _c[64];
  uint8_t _n = 0;
};

// The answer of a check. Once `found`, the pointers name the key's interned tenant, client,
// meta and grants: valid for the life of the process, whatever happens to the key meanwhile.
struct VerifyResult {
  VerifyCode code = VerifyCode::Malformed;
  bool found = false;
  KeyIdText keyId;
  const std::string* tenant = nullptr;
  const std::string* clientId = nullptr;    // "" when the key has no client
  const std::string* clientType = nullptr;  // set when the client is known
  std::string meta;  // copied only when the request asked for it (wantMeta); "" means {}
  const Grants* grants = nullptr;
  int64_t expiresAt = 0;
  int64_t remaining = -1;    // -1: unlimited
  int64_t retryAfterMs = 0;  // RATE_LIMITED only
  // For answers that may be reused (a gateway cache): whether the key has a rate limit or a
  // quota (then no answer about it may be reused), when it stops being valid (the earlier of its
  // expiry and a scheduled revocation; 0: never), and when this check was made (ms).
  bool limited = false;
  int64_t validUntil = 0;
  int64_t checkedAt = 0;
  // FORBIDDEN because the call's method or path could not be known for sure.
  RequestTarget::Refusal refusal = RequestTarget::Refusal::None;
};

// The gateway check (contract §4 "Validation"): answers from memory only. The store is reached
// once per quota block (see QuotaAccount), never per call. Thread-safe.
class Verifier {
 public:
  Verifier(KeyCache& cache, QuotaSource& quota, const Clock& clock, int64_t leaseBlock);

  VerifyResult verify(const VerifyRequest& r);
  // On a miss for a well-formed key, ask `miss` to look it up in the store (see MissLookup).
  // Set before the first check; nullptr (the default): a miss is NOT_FOUND.
  void setMissLookup(MissLookup* miss) { _miss = miss; }
  uint64_t outcomes(VerifyCode c) const { return _outcomes[static_cast<int>(c)].load(); }
  // Counts an answer given without calling verify() (forward-auth with no key presented is
  // MALFORMED), so keywarden_verifications_total counts every answer. Thread-safe.
  void countOutcome(VerifyCode c) {
    _outcomes[static_cast<int>(c)].fetch_add(1, std::memory_order_relaxed);
  }
  // FORBIDDEN answers given because the call could not be known for sure, by reason.
  uint64_t refusals(RequestTarget::Refusal r) const {
    return _refusals[static_cast<int>(r)].load();
  }

 private:
  // Everything but the quota, from the entry (its stripe held, under `view`).
  VerifyCode judge(const VerifyRequest& r, const KeyCache::View& view, KeyEntry& e, int64_t now,
                   VerifyResult& out) const;
  // Counts the outcome in the entry's usage. Call with its stripe held.
  void record(uint32_t slot, KeyEntry& e, VerifyCode code, int64_t now);

  KeyCache& _cache;
  QuotaSource& _quota;
  const Clock& _clock;
  const int64_t _leaseBlock;
  MissLookup* _miss = nullptr;
  std::array<std::atomic<uint64_t>, kVerifyCodeCount> _outcomes{};
  std::array<std::atomic<uint64_t>, RequestTarget::kRefusalCount> _refusals{};
};

}  // namespace keywarden::engine
