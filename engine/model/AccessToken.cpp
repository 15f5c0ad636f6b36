#include "engine/model/AccessToken.h"

namespace keywarden::engine {

std::string_view roleName(Role r) {
  switch (r) {
    case Role::Admin:
      return "admin";
    case Role::Gateway:
      return "gateway";
    case Role::Requester:
      return "requester";
    case Role::Approver:
      return "approver";
  }
  return "admin";
}

std::optional<Role> parseRole(std::string_view n) {
  for (Role r : {Role::Admin, Role::Gateway, Role::Requester, Role::Approver})
    if (roleName(r) == n) return r;
  return std::nullopt;
}

}  // namespace keywarden::engine
