#pragma once

#include <Poco/Data/Session.h>

#include <functional>
#include <vector>

#include "engine/model/Key.h"

namespace keywarden::store {

// The start-up load of the key cache on SQLite: every api_keys row, read through SQLite's C API
// on a read-only connection of its own to the same file, opened without SQLite's mutex (the
// session's connection for a database without a file). The SELECT is one consistent snapshot,
// possibly later than the caller's transaction: the caller marks the change feed before the
// load, so what commits in between is applied again, harmlessly. Rows are decoded by
// CacheRowDecoder into a chunk of Keys that is refilled for each `chunk` rows. Poco::Data's
// typed extraction cost about half of a million-key start-up (a vector of strings per column,
// a copy per value); this costs one pass over the rows. `fn` may keep the Keys it is handed by
// swapping the vector's contents with its own (capacities travel with them). Throws
// Poco::Data::SQLite exceptions on a database error and std::runtime_error on a damaged row.
// Not thread-safe: the session's thread only.
class SqliteCacheScan {
 public:
  static void run(Poco::Data::Session& s, size_t chunk,
                  const std::function<void(std::vector<engine::Key>&)>& fn);
};

}  // namespace keywarden::store
