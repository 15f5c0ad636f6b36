#include "store/SqlKeyRepository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <algorithm>
#include <stdexcept>

#include "store/CacheRowDecoder.h"
#include "store/PgCacheScan.h"
#include "store/Sql.h"
#include "store/SqlQuery.h"
#include "store/SqliteCacheScan.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace keywarden::store {

namespace {
const char* kCols =
    "SELECT id, tenant, client_id, name, digest, start, state, scopes, api_ids, group_ids,"
    " effective_at, expires_at, quota, remaining, quota_key_id, refill_amount, refill_interval,"
    " refilled_at, rate_limit, rate_window_ms, meta, created_at, updated_at, last_used_at,"
    " usage_valid, usage_rejected, revoke_at, revoke_reason, rotated_to, application_id, version"
    " FROM api_keys";

std::string intervalText(engine::RefillInterval i) {
  switch (i) {
    case engine::RefillInterval::Daily:
      return "daily";
    case engine::RefillInterval::Monthly:
      return "monthly";
    default:
      return "";
  }
}

engine::RefillInterval intervalOf(const std::string& s) {
  if (s == "daily") return engine::RefillInterval::Daily;
  if (s == "monthly") return engine::RefillInterval::Monthly;
  return engine::RefillInterval::None;
}

engine::Key keyOf(RecordSet& rs) {
  engine::Key k;
  k.id = Sql::str(rs, "id");
  k.tenant = Sql::str(rs, "tenant");
  k.clientId = Sql::str(rs, "client_id");
  k.name = Sql::str(rs, "name");
  if (!engine::KeyDigest::fromHex(Sql::str(rs, "digest"), k.digest))
    throw std::runtime_error("api_keys row " + k.id + " holds a malformed digest");
  k.start = Sql::str(rs, "start");
  k.state = engine::parseKeyState(Sql::str(rs, "state")).value_or(engine::KeyState::Revoked);
  k.scopes = Sql::list(rs, "scopes");
  k.apis = Sql::list(rs, "api_ids");
  k.groups = Sql::list(rs, "group_ids");
  k.effectiveAt = Sql::i64(rs, "effective_at");
  k.expiresAt = Sql::i64(rs, "expires_at");
  k.quota = Sql::i64(rs, "quota");
  k.remaining = Sql::i64(rs, "remaining");
  k.quotaKeyId = Sql::str(rs, "quota_key_id");
  k.refillAmount = Sql::i64(rs, "refill_amount");
  k.refillInterval = intervalOf(Sql::str(rs, "refill_interval"));
  k.refilledAt = Sql::i64(rs, "refilled_at");
  k.rateLimit = Sql::i64(rs, "rate_limit");
  k.rateWindowMs = Sql::i64(rs, "rate_window_ms");
  k.meta = Sql::str(rs, "meta");
  k.createdAt = Sql::i64(rs, "created_at");
  k.updatedAt = Sql::i64(rs, "updated_at");
  k.lastUsedAt = Sql::i64(rs, "last_used_at");
  k.usageValid = Sql::i64(rs, "usage_valid");
  k.usageRejected = Sql::i64(rs, "usage_rejected");
  k.revokeAt = Sql::i64(rs, "revoke_at");
  k.revokeReason = Sql::str(rs, "revoke_reason");
  k.rotatedTo = Sql::str(rs, "rotated_to");
  k.applicationId = Sql::str(rs, "application_id");
  k.version = Sql::i64(rs, "version");
  return k;
}

std::vector<engine::Key> keysOf(Statement& st) {
  return Sql::rows<engine::Key>(st, keyOf);
}
}  // namespace

void SqlKeyRepository::insert(const engine::Key& k0) {
  engine::Key k = k0;
  std::string digest = k.digest.hex(), state(engine::keyStateName(k.state));
  std::string scopes = Sql::listText(k.scopes), apis = Sql::listText(k.apis),
              groups = Sql::listText(k.groups), interval = intervalText(k.refillInterval);
  Poco::Int64 eff = k.effectiveAt, exp = k.expiresAt, quota = k.quota, rem = k.remaining,
              refill = k.refillAmount, refilled = k.refilledAt, rate = k.rateLimit,
              window = k.rateWindowMs, created = k.createdAt, updated = k.updatedAt,
              used = k.lastUsedAt, valid = k.usageValid, rejected = k.usageRejected,
              revokeAt = k.revokeAt, version = k.version;
  const char* sql =
      "INSERT INTO api_keys (id, tenant, client_id, name, digest, start, state, scopes, api_ids,"
      " group_ids, effective_at, expires_at, quota, remaining, quota_key_id, refill_amount,"
      " refill_interval, refilled_at, rate_limit, rate_window_ms, meta, created_at, updated_at,"
      " last_used_at, usage_valid, usage_rejected, revoke_at, revoke_reason, rotated_to,"
      " application_id, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
      " $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)";
  if (_q) {
    SqlQuery(*_q, sql)
        .bindAll(k.id, k.tenant, k.clientId, k.name, digest, k.start, state, scopes, apis, groups,
                 eff, exp, quota, rem, k.quotaKeyId, refill, interval, refilled, rate, window,
                 k.meta, created, updated, used, valid, rejected, revokeAt, k.revokeReason,
                 k.rotatedTo, k.applicationId, version)
        .execute();
    return;
  }
  Statement st(_s);
  st << sql, use(k.id), use(k.tenant), use(k.clientId), use(k.name), use(digest), use(k.start),
      use(state), use(scopes), use(apis), use(groups), use(eff), use(exp), use(quota), use(rem),
      use(k.quotaKeyId), use(refill), use(interval), use(refilled), use(rate), use(window),
      use(k.meta), use(created), use(updated), use(used), use(valid), use(rejected), use(revokeAt),
      use(k.revokeReason), use(k.rotatedTo), use(k.applicationId), use(version);
  st.execute();
}

void SqlKeyRepository::updateDefinition(const engine::Key& k0) {
  engine::Key k = k0;
  std::string state(engine::keyStateName(k.state));
  std::string scopes = Sql::listText(k.scopes), apis = Sql::listText(k.apis),
              groups = Sql::listText(k.groups), interval = intervalText(k.refillInterval);
  Poco::Int64 eff = k.effectiveAt, exp = k.expiresAt, quota = k.quota, refill = k.refillAmount,
              rate = k.rateLimit, window = k.rateWindowMs, updated = k.updatedAt,
              revokeAt = k.revokeAt, version = k.version;
  Statement st(_s);
  st << "UPDATE api_keys SET name = $1, state = $2, scopes = $3, api_ids = $4, group_ids = $5,"
        " effective_at = $6, expires_at = $7, quota = $8, quota_key_id = $9, refill_amount = $10,"
        " refill_interval = $11, rate_limit = $12, rate_window_ms = $13, meta = $14,"
        " updated_at = $15, revoke_at = $16, revoke_reason = $17, rotated_to = $18,"
        " version = $19 WHERE id = $20",
      use(k.name), use(state), use(scopes), use(apis), use(groups), use(eff), use(exp), use(quota),
      use(k.quotaKeyId), use(refill), use(interval), use(rate), use(window), use(k.meta),
      use(updated), use(revokeAt), use(k.revokeReason), use(k.rotatedTo), use(version), use(k.id);
  st.execute();
}

void SqlKeyRepository::adjustRemaining(const std::string& id0, int64_t delta0) {
  std::string id = id0;
  Poco::Int64 delta = delta0;
  _s << "UPDATE api_keys SET remaining = remaining + $1 WHERE id = $2", use(delta), use(id), now;
}

std::optional<engine::Key> SqlKeyRepository::find(const std::string& id0) {
  std::string id = id0;
  Statement st(_s);
  st << std::string(kCols) + " WHERE id = $1", use(id);
  auto v = keysOf(st);
  if (v.empty()) return std::nullopt;
  return std::move(v.front());
}

std::vector<engine::Key> SqlKeyRepository::list(const engine::KeyFilter& f) {
  // A fixed statement with "match anything" sentinels keeps the SQL free of string building.
  std::string tenant = f.tenant, client = f.clientId;
  std::string state = f.state ? std::string(engine::keyStateName(*f.state)) : "";
  Statement st(_s);
  st << std::string(kCols) +
            " WHERE ($1 = '' OR tenant = $1) AND ($2 = '' OR client_id = $2)"
            " AND ($3 = '' OR state = $3) ORDER BY created_at, id",
      use(tenant), use(client), use(state);
  return keysOf(st);
}

std::vector<engine::Key> SqlKeyRepository::expire(const std::vector<std::string>& ids,
                                                  int64_t now0) {
  std::vector<engine::Key> out;
  Poco::Int64 at = now0;  // not `now`: Poco's keyword
  const size_t chunk = 500;
  for (size_t from = 0; from < ids.size(); from += chunk) {
    size_t to = std::min(ids.size(), from + chunk);
    std::string in = _d.params(2, to - from);
    // One set-based statement per chunk; RETURNING (SQLite >= 3.35, PostgreSQL) says which rows
    // changed.
    std::vector<std::string> rid, tenant, client, app;
    std::vector<Poco::Int64> version;
    Statement st(_s);
    st << "UPDATE api_keys SET state = 'EXPIRED', version = version + 1, updated_at = $1 WHERE id "
          "IN (" +
              in +
              ") AND state NOT IN ('EXPIRED', 'REVOKED') AND expires_at > 0 AND expires_at <= $1"
              " AND (revoke_at = 0 OR revoke_at > $1) RETURNING id, tenant, client_id, "
              "application_id, version",
        useRef(at);
    for (size_t i = from; i < to; ++i) st, useRef(ids[i]);
    st, into(rid), into(tenant), into(client), into(app), into(version);
    st.execute();
    for (size_t i = 0; i < rid.size(); ++i) {
      engine::Key k;
      k.id = rid[i];
      k.tenant = tenant[i];
      k.clientId = client[i];
      k.applicationId = app[i];
      k.version = version[i];
      k.state = engine::KeyState::Expired;
      k.updatedAt = now0;
      out.push_back(std::move(k));
    }
  }
  return out;
}

size_t SqlKeyRepository::countAll() {
  Poco::Int64 n = 0;
  Statement st(_s);
  st << "SELECT COUNT(*) FROM api_keys", into(n), now;
  return n > 0 ? static_cast<size_t>(n) : 0;
}

void SqlKeyRepository::loadForCache(size_t chunk,
                                    const std::function<void(std::vector<engine::Key>&)>& fn) {
  // The whole table at start-up: straight through the database's own API (a third of the time).
  if (_d.kind() == DialectKind::SQLite)
    SqliteCacheScan::run(_s, chunk, fn);
  else
    PgCacheScan::run(_s, chunk, fn);
}

std::vector<engine::Key> SqlKeyRepository::findForCache(const std::vector<std::string>& ids) {
  std::vector<engine::Key> out;
  const size_t chunk = 500;
  for (size_t from = 0; from < ids.size(); from += chunk) {
    std::vector<std::string> part(
        ids.begin() + static_cast<long>(from),
        ids.begin() + static_cast<long>(std::min(ids.size(), from + chunk)));
    cacheRows(" WHERE id IN (" + _d.params(1, part.size()) + ")", part, part.size() + 1,
              [&](std::vector<engine::Key>& keys) {
                for (auto& k : keys) out.push_back(std::move(k));
              });
  }
  return out;
}

std::vector<engine::Key> SqlKeyRepository::findForCacheByDigest(const std::string& digestHex) {
  std::vector<engine::Key> out;
  cacheRows(" WHERE digest = " + _d.params(1, 1), {digestHex}, 2,
            [&](std::vector<engine::Key>& keys) {
              for (auto& k : keys) out.push_back(std::move(k));
            });
  return out;
}

void SqlKeyRepository::cacheRows(const std::string& where, const std::vector<std::string>& ids,
                                 size_t chunk,
                                 const std::function<void(std::vector<engine::Key>&)>& fn) {
  // Typed column vectors fetched `chunk` rows at a time: a RecordSet costs several times more
  // per value, and a million full Key objects would be ~700 MB held at once.
  std::vector<std::string> id, tenant, client, digest, state, scopes, apis, groups, quotaKey,
      interval, meta;
  std::vector<Poco::Int64> eff, exp, quota, rem, refill, refilled, rate, window, used, revokeAt,
      version;
  Statement st(_s);
  st << std::string("SELECT ") + CacheRowDecoder::kCacheColumns + " FROM api_keys" + where;
  for (const auto& i : ids) st, useRef(i);
  st, into(id), into(tenant), into(client), into(digest), into(state), into(scopes), into(apis),
      into(groups), into(eff), into(exp), into(quota), into(rem), into(quotaKey), into(refill),
      into(interval), into(refilled), into(rate), into(window), into(meta), into(used),
      into(revokeAt), into(version), limit(static_cast<Poco::UInt32>(chunk));
  std::vector<engine::Key> keys;
  while (!st.done()) {
    for (auto* v : {&id, &tenant, &client, &digest, &state, &scopes, &apis, &groups, &quotaKey,
                    &interval, &meta})
      v->clear();
    for (auto* v :
         {&eff, &exp, &quota, &rem, &refill, &refilled, &rate, &window, &used, &revokeAt, &version})
      v->clear();
    st.execute();
    keys.clear();
    keys.resize(id.size());
    for (size_t i = 0; i < id.size(); ++i) {
      engine::Key& k = keys[i];
      k.id = std::move(id[i]);
      k.tenant = std::move(tenant[i]);
      k.clientId = std::move(client[i]);
      if (!engine::KeyDigest::fromHex(digest[i], k.digest))
        throw std::runtime_error("api_keys row " + k.id + " holds a malformed digest");
      k.state = engine::parseKeyState(state[i]).value_or(engine::KeyState::Revoked);
      k.scopes = Sql::parseList(scopes[i]);
      k.apis = Sql::parseList(apis[i]);
      k.groups = Sql::parseList(groups[i]);
      k.effectiveAt = eff[i];
      k.expiresAt = exp[i];
      k.quota = quota[i];
      k.remaining = rem[i];
      k.quotaKeyId = std::move(quotaKey[i]);
      k.refillAmount = refill[i];
      k.refillInterval = intervalOf(interval[i]);
      k.refilledAt = refilled[i];
      k.rateLimit = rate[i];
      k.rateWindowMs = window[i];
      k.meta = std::move(meta[i]);
      k.lastUsedAt = used[i];
      k.revokeAt = revokeAt[i];
      k.version = version[i];
    }
    if (!keys.empty()) fn(keys);
  }
}

SqlKeyRepository::QuotaRow SqlKeyRepository::lockLineage(const std::string& id0) {
  // Follow `quota_key_id` to the newest key of the lineage without locking the rows on the way
  // (a rotation locks the owner, then updates older rows: locking both ways could deadlock),
  // then lock that row and check it was not rotated meanwhile. Rotation re-points every older
  // row at the newest, so chains are one hop; the bound only guards against a damaged row.
  QuotaRow r;
  r.id = id0;
  for (int hop = 0; hop < 8; ++hop) {
    std::string next;
    _s << "SELECT quota_key_id FROM api_keys WHERE id = $1", use(r.id), into(next), now;
    if (next.empty()) break;
    r.id = next;
  }
  for (int hop = 0; hop < 8; ++hop) {
    std::string next;
    Poco::Int64 remaining = 0, refilledAt = 0, refillAmount = 0;
    r.found = false;
    Statement st(_s);
    st << "SELECT quota_key_id, remaining, refilled_at, refill_amount, refill_interval"
          " FROM api_keys WHERE id = $1" +
              _d.forUpdate(),
        use(r.id), into(next), into(remaining), into(refilledAt), into(refillAmount),
        into(r.interval);
    r.found = st.execute() > 0;
    r.remaining = remaining;
    r.refilledAt = refilledAt;
    r.refillAmount = refillAmount;
    if (next.empty()) break;
    r.id = next;
  }
  return r;
}

engine::QuotaLease SqlKeyRepository::leaseQuota(const std::string& id0, int64_t want,
                                                int64_t periodStart, int64_t returning) {
  QuotaRow row = lockLineage(id0);
  engine::QuotaLease l;
  if (!row.found) return l;  // purged: nothing to lease
  int64_t remaining = row.remaining, refilledAt = row.refilledAt;
  if (returning > 0 && periodStart == refilledAt) remaining += returning;
  if (!row.interval.empty() && periodStart > refilledAt) {
    remaining = row.refillAmount;
    refilledAt = periodStart;
  }
  l.granted = std::max<int64_t>(0, std::min<int64_t>(want, remaining));
  l.leftInStore = remaining - l.granted;
  l.periodStart = refilledAt;
  Poco::Int64 left = l.leftInStore, at = refilledAt;
  _s << "UPDATE api_keys SET remaining = $1, refilled_at = $2 WHERE id = $3", use(left), use(at),
      use(row.id), now;
  return l;
}

void SqlKeyRepository::returnQuota(const std::string& id0, int64_t units0, int64_t periodStart0) {
  QuotaRow row = lockLineage(id0);
  if (!row.found) return;
  Poco::Int64 units = units0, period = periodStart0;
  _s << "UPDATE api_keys SET remaining = remaining + $1 WHERE id = $2 AND refilled_at = $3",
      use(units), use(row.id), use(period), now;
}

void SqlKeyRepository::restartQuota(const std::string& id0, int64_t remaining0, int64_t now0) {
  std::string id = id0;
  Poco::Int64 remaining = remaining0, at = now0;
  _s << "UPDATE api_keys SET remaining = $1, refilled_at = CASE WHEN refilled_at + 1 > $2 THEN"
        " refilled_at + 1 ELSE $2 END WHERE id = $3",
      use(remaining), use(at), use(id), now;
}

void SqlKeyRepository::relabelCount(const std::string& id0, int64_t periodStart0) {
  std::string id = id0;
  Poco::Int64 at = periodStart0;
  _s << "UPDATE api_keys SET refilled_at = $1 WHERE id = $2 AND refilled_at < $1", use(at), use(id),
      now;
}

engine::StoredQuota SqlKeyRepository::takeRemaining(const std::string& id0) {
  std::string id = id0;
  Poco::Int64 remaining = 0, refilledAt = 0;
  _s << "SELECT remaining, refilled_at FROM api_keys WHERE id = $1" + _d.forUpdate(), use(id),
      into(remaining), into(refilledAt), now;
  _s << "UPDATE api_keys SET remaining = 0 WHERE id = $1", use(id), now;
  return {remaining, refilledAt};
}

void SqlKeyRepository::addUsage(const std::vector<engine::UsageDelta>& deltas) {
  for (const auto& d : deltas) {
    std::string id = d.keyId;
    Poco::Int64 valid = d.valid, rejected = d.rejected, used = d.lastUsedAt;
    _s << "UPDATE api_keys SET usage_valid = usage_valid + $1, usage_rejected = usage_rejected + "
          "$2,"
          " last_used_at = CASE WHEN last_used_at < $3 THEN $3 ELSE last_used_at END WHERE id = $4",
        use(valid), use(rejected), use(used), use(id), now;
  }
}

std::vector<std::string> SqlKeyRepository::purge(int64_t before0) {
  Poco::Int64 before = before0;
  std::vector<std::string> ids;
  Statement st(_s);
  st << "SELECT id FROM api_keys WHERE state IN ('EXPIRED', 'REVOKED') AND updated_at < $1",
      use(before), into(ids);
  st.execute();
  _s << "DELETE FROM api_keys WHERE state IN ('EXPIRED', 'REVOKED') AND updated_at < $1",
      use(before), now;
  return ids;
}

}  // namespace keywarden::store
