#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/Clock.h"
#include "engine/base/Error.h"
#include "engine/flows/FlowCatalog.h"
#include "engine/model/AccessToken.h"
#include "engine/notices/Notices.h"
#include "engine/portal/PortalSettings.h"
#include "engine/portal/Session.h"
#include "engine/portal/SigninPolicy.h"
#include "engine/portal/Throttle.h"
#include "engine/ports/Store.h"

namespace keywarden::engine::portal {

// Signing in to the web portal without passwords, and the sessions that follow (contract §7).
// - A sign-in link is 256 bits from OpenSSL's CSPRNG, mailed through the outbox (sealed there
//   like a key, erased once sent), stored only as its SHA-256, single-use (consumed in the
//   transaction that starts the session), and works for portal.signinLifetime.
// - A session's cookie value is another 256 random bits, stored only as its SHA-256; the session
//   ends when unused for portal.sessionIdle, portal.sessionMax after sign-in, or on sign-out.
// - Asking for a link answers the same whether or not the address may sign in (only the
//   outbox knows), and is throttled per address and per client address.
// Every change is one transaction with its audit row. Thread-safe.
class PortalService {
 public:
  PortalService(Store& store, const FlowCatalog& flows, const Clock& clock, const Notices& notices,
                PortalSettings settings, const std::string& masterSecret);

  const PortalSettings& settings() const { return _settings; }
  Roles rolesOf(const std::string& email) const { return _policy.rolesOf(email); }

  enum class Ask { Accepted, BadAddress, Throttled };
  // A sign-in link for `email`, asked from `clientAddress`. Accepted whether or not the address
  // may sign in (a link is mailed only when it may; otherwise a dead link row, without the
  // address, is committed so that both answers cost one store commit). BadAddress: not an e-mail
  // address
  // (`why` says what is wrong). Throttled: too many asks for this address or from this client
  // (`retryAfterMs` says how long to wait).
  Ask requestSignin(const std::string& email, const std::string& clientAddress, std::string& why,
                    int64_t& retryAfterMs);

  enum class LinkState { Valid, Used, Expired, Unknown };
  // What a sign-in link is now (never changes anything: mail scanners fetch links).
  LinkState viewSignin(const std::string& token) const;
  struct Started {
    std::string cookie;  // the value for the kw_session cookie; never stored, never logged
    Session session;
  };
  // Consumes the link and starts a session; nullopt with `why` set when the link is not Valid
  // (or its address may no longer sign in: Unknown).
  std::optional<Started> completeSignin(const std::string& token, LinkState& why);
  // A session for `email` as vouched for by a trusted SSO proxy's header (portal.trustedHeader);
  // nullopt when the address may not sign in.
  std::optional<Started> signinByHeader(const std::string& email);
  // The live session behind a cookie value, its last use moved to now (written at most once a
  // minute); nullopt when there is none, or it ended, idled out or reached portal.sessionMax.
  // `unknown`, when given, is set to whether no session ever had this cookie (a guess, or a
  // value that is not a cookie at all) rather than a real one that ended.
  std::optional<Session> resume(const std::string& cookie, bool* unknown = nullptr);
  void signOut(const Session& s);

  // The CSRF token of a form shown to the holder of `binding` (a session's digest, or a
  // pre-session cookie value): HMAC-SHA256 under a key derived from the master secret, so
  // nothing is stored; checked in constant time.
  std::string csrfToken(const std::string& binding) const;
  bool csrfValid(const std::string& binding, const std::string& token) const;

  // The principals a session acts as in the engine's services, one per role.
  static Principal requester(const Session& s);
  static Principal approver(const Session& s);
  static Principal admin(const Session& s);

  // The language `email` saved for mails and pages (a tag such as zh-TW), "" for none. A store
  // failure reads as "" (the default language), never as an error page.
  std::string languageOf(const std::string& email) const;
  // languageOf for several people in one read transaction (the outbox asks once per batch):
  // email -> tag, "" for none; a store failure reads as "" for everyone.
  std::map<std::string, std::string> languagesOf(const std::vector<std::string>& emails) const;
  // Saves the signed-in person's language, audited, in one transaction. BadInput (field
  // "language") when `language` is not a well-formed tag; which tags are offered is the
  // caller's (the templates') business.
  std::optional<Error> setLanguage(const Session& s, const std::string& language);

  // Ids of the applications `approver` decided on, newest first (at most `limit`).
  std::vector<std::string> decidedBy(const std::string& approver, int limit);
  // Ids of the keys `email` holds (at most `limit`).
  std::vector<std::string> keysHeldBy(const std::string& email, int limit);

 private:
  Started start(Transaction& tx, const std::string& email, const std::string& via, int64_t now);

  Store& _store;
  const Clock& _clock;
  const Notices& _notices;
  const PortalSettings _settings;
  SigninPolicy _policy;
  const std::string _csrfKey;
  Throttle _perAddress, _perClient;
};

}  // namespace keywarden::engine::portal
