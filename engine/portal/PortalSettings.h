#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace keywarden::engine::portal {

// The web portal's rules as configured (contract §7: portal.requesterDomains, portal.admins,
// portal.signinLifetime, portal.sessionIdle, portal.sessionMax). Immutable once built.
struct PortalSettings {
  std::vector<std::string> requesterDomains;  // lower-case domains: their addresses may apply
  std::vector<std::string> admins;            // lower-case addresses
  // Tenant admins: a portal.admins entry written `address:tenant` makes that address an admin
  // of that tenant only (address -> tenant); the others are admins of every tenant.
  std::map<std::string, std::string> adminTenants;
  int64_t signinLifetimeMs = 15LL * 60000;  // how long a mailed sign-in link works
  int64_t sessionIdleMs = 8LL * 3600000;    // a session unused this long ends
  int64_t sessionMaxMs = 7LL * 86400000;    // a session ends this long after sign-in, used or not
  // Sign-in requests: at most `signinPerAddress` per e-mail address and `signinPerClient` per
  // client (network) address in each `signinWindowMs`.
  int signinPerAddress = 5;
  int signinPerClient = 20;
  int64_t signinWindowMs = 15LL * 60000;
};

}  // namespace keywarden::engine::portal
