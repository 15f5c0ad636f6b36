#include "engine/portal/SigninPolicy.h"

#include <Poco/String.h>

#include <algorithm>

#include "engine/text/Validation.h"

namespace keywarden::engine::portal {

Roles SigninPolicy::rolesOf(const std::string& email0) const {
  Roles r;
  std::string email = Poco::toLower(email0);
  if (email.empty() || Validation::email("email", email)) return r;
  std::string domain = email.substr(email.rfind('@') + 1);
  const auto& domains = _settings.requesterDomains;
  r.requester = std::find(domains.begin(), domains.end(), domain) != domains.end();
  r.admin =
      std::find(_settings.admins.begin(), _settings.admins.end(), email) != _settings.admins.end();
  if (auto t = _settings.adminTenants.find(email); r.admin && t != _settings.adminTenants.end())
    r.adminTenant = t->second;
  FlowCatalog::Snapshot flows = _flows.flows();
  for (const auto& f : *flows)
    for (const auto& l : f.levels)
      if (l.isApprover(email) ||
          std::find(l.escalateTo.begin(), l.escalateTo.end(), email) != l.escalateTo.end())
        r.approver = true;
  return r;
}

}  // namespace keywarden::engine::portal
