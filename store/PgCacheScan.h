#pragma once

#include <Poco/Data/Session.h>

#include <functional>
#include <vector>

#include "engine/model/Key.h"

namespace keywarden::store {

// The start-up load of the key cache on PostgreSQL: every api_keys row through a server-side
// cursor (DECLARE … NO SCROLL CURSOR, FETCH `chunk` at a time) on the session's own libpq
// connection, so inside the caller's read transaction. Poco's PostgreSQL connector buffers the
// whole result and copies every value twice; this holds one chunk at a time and decodes it with
// CacheRowDecoder into Keys that are refilled chunk after chunk. `fn` as in SqliteCacheScan.
// Needs an open transaction (a cursor lives in one). Throws std::runtime_error with the
// server's message on an error. Not thread-safe: the session's thread only.
class PgCacheScan {
 public:
  static void run(Poco::Data::Session& s, size_t chunk,
                  const std::function<void(std::vector<engine::Key>&)>& fn);
};

}  // namespace keywarden::store
