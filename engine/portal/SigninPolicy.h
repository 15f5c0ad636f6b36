#pragma once

#include <string>

#include "engine/flows/FlowCatalog.h"
#include "engine/portal/PortalSettings.h"

namespace keywarden::engine::portal {

// What a person may do in the portal, by their e-mail address (contract §7 "Who may sign in").
struct Roles {
  bool requester = false;   // the address's domain is in portal.requesterDomains
  bool approver = false;    // named as an approver (or escalation target) in any loaded flow
  bool admin = false;       // listed in portal.admins
  std::string adminTenant;  // an admin of this tenant only ("" = every tenant)
  bool any() const { return requester || approver || admin; }
};

// Who may sign in and as what. The roles are worked out afresh at every request from the
// settings and the loaded flows, so a person removed from a flow or from portal.admins loses
// that role at once. Immutable; thread-safe.
class SigninPolicy {
 public:
  SigninPolicy(const FlowCatalog& flows, const PortalSettings& settings)
      : _flows(flows), _settings(settings) {}
  // `email` in any case; an address that is not an e-mail address has no role.
  Roles rolesOf(const std::string& email) const;

 private:
  const FlowCatalog& _flows;
  const PortalSettings& _settings;
};

}  // namespace keywarden::engine::portal
