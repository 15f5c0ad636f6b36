#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keywarden::engine {

// An authorization group: a named set of APIs granted together.
struct Group {
  std::string id;
  std::string tenant = "default";
  std::string name;
  std::vector<std::string> apis;
  int64_t createdAt = 0;
  int64_t updatedAt = 0;
};

}  // namespace keywarden::engine
