#include "store/SqlTransaction.h"

using namespace Poco::Data::Keywords;

namespace keywarden::store {

void SqlTransaction::exclusive(const std::string& name) {
  // SQLite: every write transaction already holds the database's one write lock.
  if (_d.kind() != DialectKind::PostgreSQL) return;
  Poco::Int64 key = Dialect::advisoryKey(name);  // held until the transaction ends
  int one = 0;
  _s << "SELECT 1 FROM pg_advisory_xact_lock($1)", use(key), into(one), now;
}

}  // namespace keywarden::store
