#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/Clock.h"
#include "engine/Key.h"
#include "engine/KeyCache.h"
#include "engine/QuotaSource.h"
#include "engine/VerifyCode.h"

namespace keywarden::engine {

struct VerifyRequest {
  std::string_view key;
  std::string_view method;  // empty: no API check
  std::string_view path;
  const std::vector<std::string>* scopes = nullptr;  // every one must be held
  int64_t cost = 1;
  std::string_view tenant;  // non-empty: keys of other tenants are NOT_FOUND
};

struct VerifyResult {
  VerifyCode code = VerifyCode::Malformed;
  std::shared_ptr<const Key> key;  // set once the key is found
  std::string clientType;
  int64_t remaining = -1;    // -1: unlimited
  int64_t retryAfterMs = 0;  // RATE_LIMITED only
};

// The gateway check (contract §4 "Validation"): answers from memory only. The store is reached
// once per quota block (see QuotaAccount), never per call. Thread-safe.
class Verifier {
 public:
  Verifier(KeyCache& cache, QuotaSource& quota, const Clock& clock, int64_t leaseBlock);

  VerifyResult verify(const VerifyRequest& r);
  uint64_t outcomes(VerifyCode c) const { return _outcomes[static_cast<int>(c)].load(); }

 private:
  struct Snapshot {
    std::shared_ptr<const ApiCatalog> catalog;
    KeyCache::ClientInfo client;
    bool clientKnown = false;
  };
  VerifyCode judge(const VerifyRequest& r, const Key& k, const Snapshot& snap, KeyEntry& e,
                   int64_t now, VerifyResult& out);

  KeyCache& _cache;
  QuotaSource& _quota;
  const Clock& _clock;
  const int64_t _leaseBlock;
  std::array<std::atomic<uint64_t>, kVerifyCodeCount> _outcomes{};
};

}  // namespace keywarden::engine
