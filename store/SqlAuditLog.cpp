#include "store/SqlAuditLog.h"

#include "engine/Ids.h"

using namespace Poco::Data::Keywords;

namespace keywarden::store {

void SqlAuditLog::append(const engine::AuditEntry& e0) {
  engine::AuditEntry e = e0;
  std::string id = engine::Ids::make("aud");
  Poco::Int64 at = e.at;
  _s << "INSERT INTO audit_log (id, at, actor, action, object_type, object_id, tenant, detail)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      use(id), use(at), use(e.actor), use(e.action), use(e.objectType), use(e.objectId),
      use(e.tenant), use(e.detail), now;
}

}  // namespace keywarden::store
