#include "store/SqlTransaction.h"

using namespace Poco::Data::Keywords;

namespace keywarden::store {

void SqlTransaction::exclusive(const std::string& name) {
  // SQLite: every write transaction already holds the database's one write lock.
  if (_d.kind() != DialectKind::PostgreSQL) return;
  // A transaction-scoped advisory lock keyed by a 63-bit FNV-1a hash of the name.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  Poco::Int64 key = static_cast<Poco::Int64>(h >> 1);
  int one = 0;
  _s << "SELECT 1 FROM pg_advisory_xact_lock($1)", use(key), into(one), now;
}

}  // namespace keywarden::store
