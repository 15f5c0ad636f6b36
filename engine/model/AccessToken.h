#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keywarden::engine {

enum class Role { Admin, Gateway, Requester, Approver };

std::string_view roleName(Role r);
std::optional<Role> parseRole(std::string_view name);

// An access token for Keywarden's own API. Only the SHA-256 of the token is stored.
struct AccessToken {
  std::string id;
  std::string digestHex;
  Role role = Role::Admin;
  std::string tenant;  // empty: all tenants
  std::string email;
  std::string name;
  int64_t createdAt = 0;
  int64_t revokedAt = 0;
};

// Who is calling, once a token has been checked.
struct Principal {
  std::string tokenId;
  Role role = Role::Admin;
  std::string tenant;  // empty: all tenants
  std::string email;
  std::string actorName;  // set for actions the system takes on someone's behalf

  bool seesTenant(const std::string& t) const { return tenant.empty() || tenant == t; }
  std::string actor() const { return actorName.empty() ? "token:" + tokenId : actorName; }
};

}  // namespace keywarden::engine
