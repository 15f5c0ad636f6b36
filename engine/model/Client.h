#pragma once

#include <cstdint>
#include <string>

namespace keywarden::engine {

// An API client (an application that holds keys), as in digiRunner's client management.
struct Client {
  std::string id;
  std::string tenant = "default";
  std::string name;
  std::string clientType;
  std::string contactEmail;
  bool active = true;
  int64_t createdAt = 0;
  int64_t updatedAt = 0;
};

}  // namespace keywarden::engine
