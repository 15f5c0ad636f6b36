// KeyService: rotation with a grace period (contract §4 "Keys"). The successor takes the
// lineage's quota; the old key keeps working until the grace period ends, then is revoked.
#include "engine/keys/KeyService.h"

#include "engine/base/Ids.h"
#include "engine/crypto/KeyCodec.h"
#include "engine/text/JsonText.h"

namespace keywarden::engine {

Result<IssuedKey> KeyService::rotate(const Principal& p, const std::string& id,
                                     int64_t graceSeconds) {
  if (graceSeconds < 0 || graceSeconds > 366LL * 86400)
    return Error::badInput("graceSeconds", "graceSeconds must be between 0 and 31622400");
  auto out = _store.write(
      [&](Transaction& tx) { return rotateIn(tx, p, id, graceSeconds, _clock.nowMs()); });
  if (!out) return out;
  out.value().key = withLiveUsage(out.value().key);
  return out;
}

Result<IssuedKey> KeyService::rotateIn(Transaction& tx, const Principal& p, const std::string& id,
                                       int64_t graceSeconds, int64_t now) {
  auto found = findVisible(tx, p, id);
  if (!found) return found.error();
  Key old = found.value();
  KeyState eff = old.effectiveState(now);
  if (eff == KeyState::Revoked || eff == KeyState::Expired)
    return stateConflict(old, eff, "rotate");
  const std::string owner = old.quotaKeyId.empty() ? old.id : old.quotaKeyId;
  MintedKey m = KeyCodec::mint(_prefix);
  Key k = successorOf(tx, old, owner, m, now);
  tx.keys().insert(k);
  std::vector<Key> changed = drawFromSuccessor(tx, old, owner, k.id, now);
  retire(old, k.id, graceSeconds, now);
  tx.keys().updateDefinition(old);
  changed.push_back(old);
  audit(tx, p, "key.rotate", old,
        "{\"newKeyId\":" + JsonText::quoted(k.id) +
            ",\"graceSeconds\":" + std::to_string(graceSeconds) + "}");
  audit(tx, p, "key.issue", k,
        "{\"start\":" + JsonText::quoted(k.start) + ",\"rotatedFrom\":" + JsonText::quoted(old.id) +
            "}");
  scheduleJobs(tx, k, now);
  scheduleJobs(tx, old, now);
  if (_notices) _notices->keyRotated(tx, old, k, now);
  publish(tx, k);
  for (const auto& c : changed) publish(tx, c);
  IssuedKey out;
  out.key = k;
  out.plaintext = std::move(m.plaintext);
  return out;
}

Key KeyService::successorOf(Transaction& tx, const Key& old, const std::string& owner,
                            const MintedKey& m, int64_t now) {
  auto ownerKey = owner == old.id ? std::optional<Key>(old) : tx.keys().find(owner);
  Key k = old;
  k.id = Ids::make("key");
  k.digest = m.digest;
  k.start = m.start;
  k.state = old.state == KeyState::Disabled
                ? KeyState::Disabled
                : (old.effectiveAt > now ? KeyState::Scheduled : KeyState::Active);
  if (ownerKey) {
    k.quota = ownerKey->quota;
    k.refillAmount = ownerKey->refillAmount;
    k.refillInterval = ownerKey->refillInterval;
  }
  // The quota belongs to the lineage: the successor takes the whole stored remaining (the
  // owner's row locked, so no lease slips between), and the units leased to instances follow
  // in each instance's memory (QuotaAccount::moveTo) or, when handed back, through the old
  // rows' quota_key_id to the successor's row. Nothing stays in a rotated-away row.
  if (k.quota >= 0) {
    StoredQuota taken = tx.keys().takeRemaining(owner);
    k.remaining = taken.remaining;
    k.refilledAt = taken.refilledAt;
  } else {
    k.remaining = -1;
    k.refilledAt = ownerKey ? ownerKey->refilledAt : old.refilledAt;
  }
  k.quotaKeyId.clear();
  k.rotatedTo.clear();
  k.revokeAt = 0;
  k.revokeReason.clear();
  k.createdAt = k.updatedAt = now;
  k.lastUsedAt = k.usageValid = k.usageRejected = 0;
  k.version = 1;
  return k;
}

std::vector<Key> KeyService::drawFromSuccessor(Transaction& tx, const Key& old,
                                               const std::string& owner,
                                               const std::string& successorId, int64_t now) {
  KeyFilter f;
  f.tenant = old.tenant;
  std::vector<Key> changed;
  for (auto& other : tx.keys().list(f)) {
    if (other.id == old.id || (other.id != owner && other.quotaKeyId != owner)) continue;
    other.quotaKeyId = successorId;
    other.updatedAt = now;
    ++other.version;
    tx.keys().updateDefinition(other);
    changed.push_back(other);
  }
  return changed;
}

void KeyService::retire(Key& old, const std::string& successorId, int64_t graceSeconds,
                        int64_t now) {
  old.quotaKeyId = successorId;
  old.rotatedTo = successorId;
  old.revokeReason = "rotated";
  if (graceSeconds == 0) {
    old.state = KeyState::Revoked;
    old.revokeAt = now;
  } else {
    old.revokeAt = now + graceSeconds * 1000;
  }
  old.updatedAt = now;
  ++old.version;
}

}  // namespace keywarden::engine
