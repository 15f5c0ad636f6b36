#pragma once

// The unit tests' store: a fresh SQLite file in a temporary directory, migrated — the real
// store, not a fake (one copy for every suite that needs one).
#include <memory>
#include <string>

#include "store/SqlStore.h"
#include "tests/support/TempDir.h"

namespace keywarden::test {

// `dir/kw.db`, migrated. `synchronous`: SQLite's PRAGMA synchronous ("OFF" where durability
// is not what the test is about). Destroy it before `dir`.
inline std::unique_ptr<store::SqlStore> migratedStore(const TempDir& dir,
                                                      const std::string& synchronous = "NORMAL") {
  store::DbSettings db;
  db.connection = dir.file("kw.db");
  db.synchronous = synchronous;
  auto s = std::make_unique<store::SqlStore>(db);
  s->migrate();
  return s;
}

}  // namespace keywarden::test
