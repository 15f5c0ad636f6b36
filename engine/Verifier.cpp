#include "engine/Verifier.h"

#include "engine/KeyCodec.h"
#include "engine/PathPattern.h"

namespace keywarden::engine {

Verifier::Verifier(KeyCache& cache, QuotaSource& quota, const Clock& clock, int64_t leaseBlock)
    : _cache(cache), _quota(quota), _clock(clock), _leaseBlock(leaseBlock) {}

VerifyCode Verifier::judge(const VerifyRequest& r, const Key& k, const Snapshot& snap, KeyEntry& e,
                           int64_t now, VerifyResult& out) {
  KeyState state = k.effectiveState(now);
  if (state == KeyState::Revoked) return VerifyCode::Revoked;
  if (state == KeyState::Expired) return VerifyCode::Expired;
  if (state == KeyState::Disabled) return VerifyCode::Disabled;
  if (!k.clientId.empty()) {
    if (!snap.clientKnown || !snap.client.active) return VerifyCode::Disabled;
    out.clientType = snap.client.clientType;
  }
  if (state == KeyState::Scheduled) return VerifyCode::NotYetActive;
  if (!r.path.empty() && !PathPattern::isCanonical(r.path)) return VerifyCode::Forbidden;
  if (r.scopes != nullptr)
    for (const auto& s : *r.scopes)
      if (!keyHoldsScope(k, s)) return VerifyCode::Forbidden;
  if (!r.method.empty() && !r.path.empty() && !snap.catalog->allows(k, r.method, r.path))
    return VerifyCode::Forbidden;
  if (!e.rate.fits(k.rateLimit, k.rateWindowMs, now)) {
    out.retryAfterMs = e.rate.retryAfterMs(k.rateLimit, k.rateWindowMs, now);
    return VerifyCode::RateLimited;
  }
  if (!e.quota->tryConsume(r.cost, now, _quota, _leaseBlock)) return VerifyCode::UsageExceeded;
  if (k.rateLimit > 0) e.rate.count(k.rateWindowMs, now);
  return VerifyCode::Valid;
}

VerifyResult Verifier::verify(const VerifyRequest& r) {
  VerifyResult out;
  if (!KeyCodec::wellFormed(r.key)) {
    out.code = VerifyCode::Malformed;
    _outcomes[static_cast<int>(out.code)].fetch_add(1, std::memory_order_relaxed);
    return out;
  }
  KeyDigest digest = KeyDigest::of(r.key);
  int64_t now = _clock.nowMs();
  // Copy what is needed out of the shared view and let it go: a quota lease below may wait
  // for the store's write lock, whose after-commit hooks need the cache exclusively.
  std::shared_ptr<KeyEntry> found;
  Snapshot snap;
  {
    KeyCache::View view(_cache);
    if (const auto* f = view.byDigest(digest)) {
      found = *f;
      snap.catalog = view.catalogPtr();
      std::lock_guard<std::mutex> lock(found->m);
      if (const auto* c = view.client(found->key->clientId)) {
        snap.clientKnown = true;
        snap.client = *c;
      }
    }
  }
  if (!found) {
    out.code = VerifyCode::NotFound;
  } else {
    KeyEntry& e = *found;
    std::lock_guard<std::mutex> lock(e.m);
    const Key& k = *e.key;
    if (!r.tenant.empty() && k.tenant != r.tenant) {
      out.code = VerifyCode::NotFound;
    } else {
      out.key = e.key;
      out.code = judge(r, k, snap, e, now, out);
      out.remaining = e.quota->remaining(now);
      if (out.code == VerifyCode::Valid) {
        ++e.pendingValid;
        e.lastUsedAt = now;
      } else {
        ++e.pendingRejected;
      }
      _cache.markDirty(found);
    }
  }
  _outcomes[static_cast<int>(out.code)].fetch_add(1, std::memory_order_relaxed);
  return out;
}

}  // namespace keywarden::engine
