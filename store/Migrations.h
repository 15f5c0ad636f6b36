#pragma once

#include <Poco/Data/Session.h>

#include <string>
#include <vector>

#include "store/Dialect.h"

namespace keywarden::store {

// Versioned schema changes, applied in order, each in its own transaction, recorded in
// `schema_migrations`. Never edit a released migration: add the next one.
class Migrations {
 public:
  struct Migration {
    int version;
    std::string name;
    std::vector<std::string> statements;
  };

  static const std::vector<Migration>& all();
  // Applies what is missing; returns how many were applied.
  static int apply(Poco::Data::Session& s, const Dialect& d);
  static int currentVersion(Poco::Data::Session& s);
};

}  // namespace keywarden::store
