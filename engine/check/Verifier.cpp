#include "engine/check/Verifier.h"

#include "engine/check/MissLookup.h"
#include "engine/crypto/KeyCodec.h"
#include "engine/text/PathPattern.h"

namespace keywarden::engine {

Verifier::Verifier(KeyCache& cache, QuotaSource& quota, const Clock& clock, int64_t leaseBlock)
    : _cache(cache), _quota(quota), _clock(clock), _leaseBlock(leaseBlock) {}

VerifyCode Verifier::judge(const VerifyRequest& r, const KeyCache::View& view, KeyEntry& e,
                           int64_t now, VerifyResult& out) const {
  KeyState state = e.effectiveState(now);
  if (state == KeyState::Revoked) return VerifyCode::Revoked;
  if (state == KeyState::Expired) return VerifyCode::Expired;
  if (state == KeyState::Disabled) return VerifyCode::Disabled;
  if (!e.clientId->empty()) {
    const KeyCache::ClientInfo* c = view.client(*e.clientId);
    if (c) out.clientType = c->clientType;
    if (!c || !c->active) return VerifyCode::Disabled;
  }
  if (state == KeyState::Scheduled) return VerifyCode::NotYetActive;
  if (r.refusal == RequestTarget::Refusal::None && !r.path.empty() &&
      !PathPattern::isCanonical(r.path))
    out.refusal = RequestTarget::Refusal::AmbiguousPath;  // a caller that skipped RequestTarget
  else
    out.refusal = r.refusal;
  if (out.refusal != RequestTarget::Refusal::None) return VerifyCode::Forbidden;
  if (r.scopes != nullptr)
    for (const auto& s : *r.scopes)
      if (!holdsScope(*e.grants, s)) return VerifyCode::Forbidden;
  if (!r.method.empty() && !r.path.empty() &&
      !view.catalog().allows(*e.grants, *e.tenant, r.method, r.path))
    return VerifyCode::Forbidden;
  if (e.limits && !e.limits->rate.fits(e.limits->rateLimit, e.limits->rateWindowMs, now)) {
    out.retryAfterMs =
        e.limits->rate.retryAfterMs(e.limits->rateLimit, e.limits->rateWindowMs, now);
    return VerifyCode::RateLimited;
  }
  return VerifyCode::Valid;
}

void Verifier::record(uint32_t slot, KeyEntry& e, VerifyCode code, int64_t now) {
  if (code == VerifyCode::Valid) {
    ++e.pendingValid;
    e.lastUsedAt = now;
  } else {
    int i = static_cast<int>(code) - RejectCounts::kFirst;
    if (i < 0 || i >= RejectCounts::kCount) return;  // not an answer about a found key
    // The one allocation here: at a key's first refusal, kept while the key is cached.
    if (!e.rejects) e.rejects = std::make_unique<RejectCounts>();
    uint32_t& n = e.rejects->n[i];
    if (n != UINT32_MAX) ++n;  // saturating (a long store outage)
  }
  _cache.markDirty(slot, e);
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
  out.checkedAt = now;
  // Everything but the quota is decided under the cache's shared lock and the entry's stripe.
  // The quota is not: a lease may wait for the store's write lock, whose after-commit hooks
  // need the cache exclusively. A key with a quota is visited a second time to count the call.
  QuotaAccount* account = nullptr;
  uint32_t slot = KeyCache::kNone, generation = 0;
  int64_t rateStart = 0;
  bool rateCounted = false;
  {
    KeyCache::View view(_cache);
    slot = view.findDigest(digest);
    if (slot == KeyCache::kNone) {
      out.code = VerifyCode::NotFound;
    } else {
      KeyEntry& e = view.entry(slot);
      std::lock_guard<std::mutex> lock(view.stripe(slot));
      if (!r.tenant.empty() && *e.tenant != r.tenant) {
        out.code = VerifyCode::NotFound;
      } else {
        out.found = true;
        out.keyId.set(e.id.view());
        out.tenant = e.tenant;
        out.clientId = e.clientId;
        if (r.wantMeta && e.meta) out.meta = *e.meta;
        out.grants = e.grants;
        out.expiresAt = e.expiresAt;
        out.limited = (e.limits && e.limits->rateLimit > 0) || e.quota != nullptr;
        out.validUntil = e.expiresAt;
        if (e.revokeAt != 0 && (out.validUntil == 0 || e.revokeAt < out.validUntil))
          out.validUntil = e.revokeAt;
        out.code = judge(r, view, e, now, out);
        account = e.quota;
        generation = e.generation;
        if (out.code == VerifyCode::Valid && e.limits) {
          rateStart = e.limits->rate.count(e.limits->rateWindowMs, now);
          rateCounted = true;
        }
        if (!account || out.code != VerifyCode::Valid) record(slot, e, out.code, now);
      }
    }
  }
  if (slot == KeyCache::kNone && _miss && !r.noStoreLookup && _miss->tryLoad(digest, now)) {
    VerifyRequest again = r;  // the key was issued on another instance: check it now
    again.noStoreLookup = true;
    return verify(again);
  }
  if (account) {
    if (out.code == VerifyCode::Valid) {
      // Fails closed: what the store throws while leasing reaches the caller, and the call
      // counted in the rate window is taken back (it was not served; a thread that must not
      // block makes it again elsewhere: NoBlockingStore).
      bool paid = false;
      try {
        paid = account->tryConsume(r.cost, now, _quota, _leaseBlock);
      } catch (...) {
        if (rateCounted) {
          KeyCache::View view(_cache);
          KeyEntry& e = view.entry(slot);
          std::lock_guard<std::mutex> lock(view.stripe(slot));
          if (e.live && e.generation == generation && e.limits) e.limits->rate.uncount(rateStart);
        }
        throw;
      }
      KeyCache::View view(_cache);
      KeyEntry& e = view.entry(slot);
      std::lock_guard<std::mutex> lock(view.stripe(slot));
      if (e.live && e.generation == generation) {
        if (!paid && rateCounted && e.limits) e.limits->rate.uncount(rateStart);
        record(slot, e, paid ? VerifyCode::Valid : VerifyCode::UsageExceeded, now);
      }
      if (!paid) out.code = VerifyCode::UsageExceeded;
    }
    out.remaining = account->remaining(now);
  }
  _outcomes[static_cast<int>(out.code)].fetch_add(1, std::memory_order_relaxed);
  if (out.code != VerifyCode::Forbidden)
    out.refusal = RequestTarget::Refusal::None;
  else if (out.refusal != RequestTarget::Refusal::None)
    _refusals[static_cast<int>(out.refusal)].fetch_add(1, std::memory_order_relaxed);
  return out;
}

}  // namespace keywarden::engine
