#include "engine/portal/PortalService.h"

#include <Poco/String.h>

#include <algorithm>
#include <cctype>

#include "engine/base/Ids.h"
#include "engine/crypto/Crypto.h"
#include "engine/portal/PortalRepository.h"
#include "engine/text/Validation.h"

namespace keywarden::engine::portal {

namespace {
constexpr size_t kTokenChars = 43;        // base62: 43 × 5.95 bits ≥ 256 bits
constexpr int64_t kTouchEveryMs = 60000;  // a session's last use is written at most this often

std::string lower(const std::string& s) {
  return Poco::toLower(Poco::trim(s));
}
// A token as it may look; anything else is Unknown before the store is asked.
bool wellFormed(const std::string& t) {
  if (t.size() != kTokenChars) return false;
  for (char c : t)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  return true;
}
}  // namespace

PortalService::PortalService(Store& store, const FlowCatalog& flows, const Clock& clock,
                             const Notices& notices, PortalSettings settings,
                             const std::string& masterSecret)
    : _store(store),
      _clock(clock),
      _notices(notices),
      _settings(std::move(settings)),
      _policy(flows, _settings),
      _csrfKey(Crypto::deriveKey(masterSecret, "portal-csrf")),
      _perAddress(_settings.signinPerAddress, _settings.signinWindowMs),
      _perClient(_settings.signinPerClient, _settings.signinWindowMs) {}

PortalService::Ask PortalService::requestSignin(const std::string& email0,
                                                const std::string& clientAddress, std::string& why,
                                                int64_t& retryAfterMs) {
  std::string email = lower(email0);
  if (auto e = Validation::email("email", email)) {
    why = e->message;
    return Ask::BadAddress;
  }
  int64_t now = _clock.nowMs();
  // Both counters are asked in every case, so the answer never depends on the address's roles.
  bool client = _perClient.allow(clientAddress, now);
  bool address = client && _perAddress.allow(email, now);
  if (!client || !address) {
    retryAfterMs =
        std::max(_perClient.retryAfterMs(clientAddress, now), _perAddress.retryAfterMs(email, now));
    return Ask::Throttled;
  }
  std::string token = Crypto::randomBase62(kTokenChars);
  SigninLink l;
  l.id = Ids::make("sig");
  l.digestHex = Crypto::sha256Hex(token);
  l.email = email;
  l.createdAt = now;
  l.expiresAt = now + _settings.signinLifetimeMs;
  if (!_policy.rolesOf(email).any()) {
    // Nothing mailed, the same answer — and the same cost: a dead link (no address, used and
    // over at once; the retention job drops it) takes the store commit a live one takes, so
    // the answer's time does not tell who may sign in.
    l.email.clear();
    l.usedAt = l.expiresAt = now;
    _store.write([&](Transaction& tx) -> Status {
      tx.portal().insertSignin(l);
      return okStatus();
    });
    return Ask::Accepted;
  }
  _store.write([&](Transaction& tx) -> Status {
    tx.portal().insertSignin(l);
    tx.audit().append({now, "portal", "portal.signin-link", "signin", l.id, "", "{}"});
    _notices.signIn(tx, email, token, l.expiresAt, now);
    return okStatus();
  });
  return Ask::Accepted;
}

PortalService::LinkState PortalService::viewSignin(const std::string& token) const {
  if (!wellFormed(token)) return LinkState::Unknown;
  std::string digest = Crypto::sha256Hex(token);
  std::optional<SigninLink> l;
  _store.read([&](Transaction& tx) { l = tx.portal().findSignin(digest); });
  if (!l || !Crypto::constantTimeEquals(l->digestHex, digest)) return LinkState::Unknown;
  if (l->usedAt != 0) return LinkState::Used;
  if (_clock.nowMs() >= l->expiresAt) return LinkState::Expired;
  return LinkState::Valid;
}

PortalService::Started PortalService::start(Transaction& tx, const std::string& email,
                                            const std::string& via, int64_t now) {
  Started s;
  s.cookie = Crypto::randomBase62(kTokenChars);
  s.session.id = Ids::make("ses");
  s.session.digestHex = Crypto::sha256Hex(s.cookie);
  s.session.email = email;
  s.session.via = via;
  s.session.createdAt = now;
  s.session.lastSeenAt = now;
  s.session.expiresAt = now + _settings.sessionMaxMs;
  tx.portal().insertSession(s.session);
  tx.audit().append({now, "session:" + s.session.id, "portal.signin", "session", s.session.id, "",
                     "{\"via\":\"" + via + "\"}"});
  return s;
}

std::optional<PortalService::Started> PortalService::completeSignin(const std::string& token,
                                                                    LinkState& why) {
  why = viewSignin(token);
  if (why != LinkState::Valid) return std::nullopt;
  std::string digest = Crypto::sha256Hex(token);
  int64_t now = _clock.nowMs();
  // A refusal is a value, not an Error: it commits, so a link consumed for a person removed
  // from every role since it was sent stays consumed.
  struct Outcome {
    LinkState why;
    std::optional<Started> started;
  };
  auto out = _store.write([&](Transaction& tx) -> Result<Outcome> {
    auto l = tx.portal().findSignin(digest);
    if (!l || !Crypto::constantTimeEquals(l->digestHex, digest))
      return Outcome{LinkState::Unknown, {}};
    if (now >= l->expiresAt) return Outcome{LinkState::Expired, {}};
    if (!tx.portal().consumeSignin(l->id, now)) return Outcome{LinkState::Used, {}};
    tx.portal().voidSigninsOf(l->email, now);  // the other links mailed to it sign in no more
    if (!_policy.rolesOf(l->email).any())      // removed from every role since the link was sent
      return Outcome{LinkState::Unknown, {}};
    return Outcome{LinkState::Valid, start(tx, l->email, "link", now)};
  });
  why = out.value().why;
  return std::move(out.value().started);
}

std::optional<PortalService::Started> PortalService::signinByHeader(const std::string& email0) {
  std::string email = lower(email0);
  if (!_policy.rolesOf(email).any()) return std::nullopt;
  int64_t now = _clock.nowMs();
  auto out = _store.write(
      [&](Transaction& tx) -> Result<Started> { return start(tx, email, "header", now); });
  return std::move(out.value());
}

std::optional<Session> PortalService::resume(const std::string& cookie, bool* unknown) {
  if (unknown) *unknown = true;
  if (!wellFormed(cookie)) return std::nullopt;
  std::string digest = Crypto::sha256Hex(cookie);
  std::optional<Session> s;
  _store.read([&](Transaction& tx) { s = tx.portal().findSession(digest); });
  if (!s || !Crypto::constantTimeEquals(s->digestHex, digest)) return std::nullopt;
  if (unknown) *unknown = false;
  int64_t now = _clock.nowMs();
  if (s->endedAt != 0 || now >= s->expiresAt || now - s->lastSeenAt >= _settings.sessionIdleMs)
    return std::nullopt;
  if (!_policy.rolesOf(s->email).any()) return std::nullopt;
  if (now - s->lastSeenAt >= kTouchEveryMs) {
    _store.write([&](Transaction& tx) -> Status {
      tx.portal().touchSession(s->id, now);
      return okStatus();
    });
    s->lastSeenAt = now;
  }
  return s;
}

std::string PortalService::languageOf(const std::string& email) const {
  std::string out;
  try {
    _store.read([&](Transaction& tx) { out = tx.portal().languageOf(email); });
  } catch (const std::exception&) {
    return "";
  }
  return out;
}

std::map<std::string, std::string> PortalService::languagesOf(
    const std::vector<std::string>& emails) const {
  std::map<std::string, std::string> out;
  try {
    _store.read([&](Transaction& tx) { out = tx.portal().languagesOf(emails); });
  } catch (const std::exception&) {
    out.clear();
  }
  for (const auto& e : emails) out.emplace(e, "");  // emplace keeps what the store said
  return out;
}

std::optional<Error> PortalService::setLanguage(const Session& s, const std::string& language) {
  bool wellFormed = !language.empty() && language.size() <= 35 &&
                    std::isalpha(static_cast<unsigned char>(language[0])) &&
                    std::all_of(language.begin(), language.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
                    });
  if (!wellFormed) return Error::badInput("language", "must be a language tag such as en or zh-TW");
  int64_t now = _clock.nowMs();
  _store.write([&](Transaction& tx) -> Status {
    tx.portal().setLanguage(s.email, language, now);
    tx.audit().append({now, "session:" + s.id, "portal.language", "person", s.email, "",
                       "{\"language\":\"" + language + "\"}"});
    return okStatus();
  });
  return std::nullopt;
}

void PortalService::signOut(const Session& s) {
  int64_t now = _clock.nowMs();
  _store.write([&](Transaction& tx) -> Status {
    if (tx.portal().endSession(s.id, now))
      tx.audit().append({now, "session:" + s.id, "portal.signout", "session", s.id, "", "{}"});
    return okStatus();
  });
}

std::string PortalService::csrfToken(const std::string& binding) const {
  std::string mac = Crypto::deriveKey(_csrfKey, "csrf:" + binding);
  return Crypto::toHex(reinterpret_cast<const uint8_t*>(mac.data()), mac.size());
}

bool PortalService::csrfValid(const std::string& binding, const std::string& token) const {
  return !binding.empty() && Crypto::constantTimeEquals(csrfToken(binding), token);
}

namespace {
Principal as(const Session& s, Role role) {
  Principal p;
  p.tokenId = s.id;
  p.role = role;
  p.email = s.email;
  p.actorName = "session:" + s.id;
  return p;
}
}  // namespace

Principal PortalService::requester(const Session& s) {
  return as(s, Role::Requester);
}
Principal PortalService::approver(const Session& s) {
  return as(s, Role::Approver);
}
Principal PortalService::admin(const Session& s) {
  return as(s, Role::Admin);
}

std::vector<std::string> PortalService::decidedBy(const std::string& approver, int limit) {
  std::vector<std::string> out;
  _store.read([&](Transaction& tx) { out = tx.portal().decidedBy(lower(approver), limit); });
  return out;
}

std::vector<std::string> PortalService::keysHeldBy(const std::string& email, int limit) {
  std::vector<std::string> out;
  _store.read([&](Transaction& tx) { out = tx.portal().keysHeldBy(lower(email), limit); });
  return out;
}

}  // namespace keywarden::engine::portal
