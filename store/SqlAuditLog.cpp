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

void SqlAuditLog::appendMany(const std::vector<engine::AuditEntry>& entries) {
  if (entries.empty()) return;
  std::vector<std::string> ids, actors, actions, types, objects, tenants, details;
  std::vector<Poco::Int64> at;
  for (const auto& e : entries) {
    ids.push_back(engine::Ids::make("aud"));
    at.push_back(e.at);
    actors.push_back(e.actor);
    actions.push_back(e.action);
    types.push_back(e.objectType);
    objects.push_back(e.objectId);
    tenants.push_back(e.tenant);
    details.push_back(e.detail);
  }
  _s << "INSERT INTO audit_log (id, at, actor, action, object_type, object_id, tenant, detail)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      use(ids), use(at), use(actors), use(actions), use(types), use(objects), use(tenants), use(details), now;
}

}  // namespace keywarden::store
