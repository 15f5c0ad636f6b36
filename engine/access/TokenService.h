#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/base/Clock.h"
#include "engine/base/Result.h"
#include "engine/model/AccessToken.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// A token just minted: shown once, stored as its SHA-256.
struct MintedToken {
  AccessToken token;
  std::string plaintext;
};

// Access tokens for Keywarden's own API (admin, gateway, requester, approver). Thread-safe.
// Known tokens are remembered in memory, so checking a token on a hot path costs a hash and
// a map look-up; an unknown one is looked up in the store (tokens minted by the CLI while the
// server runs work at once).
class TokenService {
 public:
  TokenService(Store& store, const Clock& clock) : _store(store), _clock(clock) {}

  // Mints a token (the command line's `keywarden token create`; audited as "cli").
  Result<MintedToken> create(Role role, const std::string& tenant, const std::string& email,
                             const std::string& name);
  // The same over HTTP (contract §8, POST /v1/tokens), audited as `by`. `by` must be an
  // admin (the handler checks). A tenant admin mints only for its own tenant (an empty
  // `tenant` means its own): another tenant, or an untenanted token, is refused 403
  // TENANT_FORBIDDEN — so it never mints an admin of another tenant or of all tenants.
  Result<MintedToken> create(const Principal& by, Role role, const std::string& tenant,
                             const std::string& email, const std::string& name);
  // The tokens `by` sees: every one for an untenanted admin, its tenant's for a tenant admin.
  std::vector<AccessToken> list(const Principal& by);
  // If no admin token exists, stores `plaintext` as one. Returns whether it did.
  bool bootstrapAdmin(const std::string& plaintext);
  std::optional<Principal> authenticate(const std::string& plaintext);
  std::vector<AccessToken> list();
  // Revokes the token `id` (refused with NOT_FOUND when there is no such live token). Running
  // servers drop it within one change-feed poll (`cluster.pollInterval`), this one at once.
  Status revoke(const std::string& id, const std::string& actor);
  // The same over HTTP: a token of a tenant `by` does not see is NOT_FOUND, as elsewhere.
  Status revoke(const Principal& by, const std::string& id);
  // Forgets what is remembered of token `id` (it was revoked, here or by another process).
  void forget(const std::string& id);

 private:
  Result<MintedToken> mint(Role role, const std::string& tenant, const std::string& email,
                           const std::string& name, const std::string& actor);
  Store& _store;
  const Clock& _clock;
  std::mutex _m;
  std::unordered_map<std::string, Principal> _known;  // by digest
  // Digests refused recently -> until when they are refused without asking the store. A token
  // minted meanwhile is a fresh random one, so it is never in here.
  std::unordered_map<std::string, int64_t> _refused;
  static constexpr int64_t kRefusedMs = 1000;
  static constexpr size_t kRefusedMax = 10000;
};

}  // namespace keywarden::engine
