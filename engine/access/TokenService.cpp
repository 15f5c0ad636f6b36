#include "engine/access/TokenService.h"

#include "engine/base/Ids.h"
#include "engine/crypto/Crypto.h"
#include "engine/text/Validation.h"

namespace keywarden::engine {

Result<MintedToken> TokenService::create(Role role, const std::string& tenant,
                                         const std::string& email, const std::string& name) {
  return mint(role, tenant, email, name, "cli");
}

Result<MintedToken> TokenService::create(const Principal& by, Role role, const std::string& tenant0,
                                         const std::string& email, const std::string& name) {
  const std::string tenant = tenant0.empty() ? by.tenant : tenant0;
  if (!by.tenant.empty() && tenant != by.tenant)
    return Error::forbidden("TENANT_FORBIDDEN",
                            "this token may mint tokens only for tenant '" + by.tenant + "'");
  return mint(role, tenant, email, name, by.actor());
}

std::vector<AccessToken> TokenService::list(const Principal& by) {
  std::vector<AccessToken> all = list(), out;
  for (auto& t : all)
    if (by.tenant.empty() || t.tenant == by.tenant) out.push_back(std::move(t));
  return out;
}

Status TokenService::revoke(const Principal& by, const std::string& id) {
  if (!by.tenant.empty()) {
    bool seen = false;
    for (const auto& t : list(by)) seen = seen || t.id == id;
    if (!seen) return Error::notFound("token", id);
  }
  return revoke(id, by.actor());
}

Result<MintedToken> TokenService::mint(Role role, const std::string& tenant,
                                       const std::string& email, const std::string& name,
                                       const std::string& actor) {
  if (!tenant.empty())
    if (auto e = Validation::tenant("tenant", tenant)) return *e;
  if ((role == Role::Requester || role == Role::Approver) && email.empty())
    return Error::badInput(
        "email", "requester and approver tokens need an e-mail address (--email)", "MISSING_FIELD");
  if (!email.empty())
    if (auto e = Validation::email("email", email)) return *e;
  if (auto e = Validation::name("name", name, false)) return *e;
  MintedToken m;
  m.plaintext = "kwt_" + Crypto::randomBase62(40);
  AccessToken& t = m.token;
  t.id = Ids::make("tok");
  t.digestHex = Crypto::sha256Hex(m.plaintext);
  t.role = role;
  t.tenant = tenant;
  t.email = email;
  t.name = name;
  t.createdAt = _clock.nowMs();
  return _store.write([&](Transaction& tx) -> Result<MintedToken> {
    tx.tokens().insert(t);
    tx.audit().append({t.createdAt, actor, "token.create", "token", t.id, tenant,
                       "{\"role\":\"" + std::string(roleName(role)) + "\"}"});
    return m;
  });
}

bool TokenService::bootstrapAdmin(const std::string& plaintext) {
  auto created = _store.write([&](Transaction& tx) -> Result<bool> {
    if (tx.tokens().countActive(Role::Admin) > 0) return false;  // nothing written
    AccessToken t;
    t.id = Ids::make("tok");
    t.digestHex = Crypto::sha256Hex(plaintext);
    t.role = Role::Admin;
    t.name = "bootstrap";
    t.createdAt = _clock.nowMs();
    tx.tokens().insert(t);
    tx.audit().append(
        {t.createdAt, "bootstrap", "token.create", "token", t.id, "", "{\"role\":\"admin\"}"});
    return true;
  });
  return created.value();
}

std::vector<AccessToken> TokenService::list() {
  std::vector<AccessToken> out;
  _store.read([&](Transaction& tx) { out = tx.tokens().list(); });
  return out;
}

Status TokenService::revoke(const std::string& id, const std::string& actor) {
  int64_t now = _clock.nowMs();
  return _store.write([&](Transaction& tx) -> Status {
    if (!tx.tokens().revoke(id, now)) return Error::notFound("token", id);
    tx.audit().append({now, actor, "token.revoke", "token", id, "", "{}"});
    tx.changes().record(ChangeKind::Token, id, Ids::instance(), now);
    tx.afterCommit([this, id] { forget(id); });
    return okStatus();
  });
}

void TokenService::forget(const std::string& id) {
  std::lock_guard<std::mutex> lock(_m);
  for (auto it = _known.begin(); it != _known.end();)
    it = it->second.tokenId == id ? _known.erase(it) : std::next(it);
}

std::optional<Principal> TokenService::authenticate(const std::string& plaintext) {
  if (plaintext.empty() || plaintext.size() > 256) return std::nullopt;
  std::string digest = Crypto::sha256Hex(plaintext);
  int64_t now = _clock.nowMs();
  {
    std::lock_guard<std::mutex> lock(_m);
    auto it = _known.find(digest);
    if (it != _known.end()) return it->second;
    // A token refused a moment ago is refused again without a query: a flood of made-up
    // tokens costs a hash each, not a database round trip each.
    auto bad = _refused.find(digest);
    if (bad != _refused.end() && bad->second > now) return std::nullopt;
  }
  std::optional<AccessToken> t;
  _store.read([&](Transaction& tx) { t = tx.tokens().findByDigest(digest); });
  // The map look-up compared digests; confirm in constant time before trusting the row.
  if (!t || t->revokedAt != 0 || !Crypto::constantTimeEquals(t->digestHex, digest)) {
    std::lock_guard<std::mutex> lock(_m);
    if (_refused.size() >= kRefusedMax) _refused.clear();  // bounded: forget them all at once
    _refused[digest] = now + kRefusedMs;
    return std::nullopt;
  }
  Principal p{t->id, t->role, t->tenant, t->email, ""};
  std::lock_guard<std::mutex> lock(_m);
  _known.emplace(digest, p);
  return p;
}

}  // namespace keywarden::engine
