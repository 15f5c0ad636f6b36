#pragma once

#include <cstdint>
#include <string>

#include "engine/ports/Store.h"

namespace keywarden::engine {

// What an approver link names: one approver, one application, one level, an expiry.
struct LinkClaims {
  std::string id;  // the link row: consumed by the decision it carries
  std::string applicationId;
  std::string approver;
  int level = 0;
  int64_t expiresAt = 0;
};

// Signs and checks approver links (contract §4 "Approver links"): base64url(claims) "."
// base64url(HMAC-SHA256 under a key derived from the master secret), compared in constant time.
// Thread-safe.
class LinkSigner {
 public:
  enum class Check { Valid, Forged, Expired };

  LinkSigner(const std::string& masterSecret, int64_t lifetimeMs);
  // Records the link in the transaction and returns its token.
  std::string issue(Transaction& tx, const std::string& applicationId, const std::string& approver,
                    int level, int64_t now) const;
  Check check(const std::string& token, int64_t now, LinkClaims& out) const;

 private:
  std::string sign(const std::string& payload) const;
  std::string _key;
  int64_t _lifetimeMs;
};

}  // namespace keywarden::engine
