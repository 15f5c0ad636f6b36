#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keywarden::engine {

// A registered API: a method (or `*`) and a path pattern, with the scopes that grant it.
struct ApiDef {
  std::string id;
  std::string tenant = "default";
  std::string name;
  std::string method = "*";
  std::string path;
  std::vector<std::string> scopes;
  int64_t createdAt = 0;
  int64_t updatedAt = 0;
};

}  // namespace keywarden::engine
