#include "store/SqlAuditLog.h"

#include "engine/base/Ids.h"

#include <Poco/Data/Statement.h>

#include <algorithm>

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
  // Multi-row INSERTs of up to 100 rows (8 parameters each): a sweep writes thousands.
  const size_t chunk = 100;
  std::vector<std::string> ids;
  std::vector<Poco::Int64> at;
  ids.reserve(entries.size());
  at.reserve(entries.size());
  for (const auto& e : entries) {
    ids.push_back(engine::Ids::make("aud"));
    at.push_back(e.at);
  }
  for (size_t from = 0; from < entries.size(); from += chunk) {
    size_t n = std::min(chunk, entries.size() - from);
    std::string sql =
        "INSERT INTO audit_log (id, at, actor, action, object_type, object_id, tenant, detail) "
        "VALUES ";
    for (size_t r = 0; r < n; ++r) {
      sql += (r ? ", (" : "(") + _d.params(r * 8 + 1, 8) + ")";
    }
    Poco::Data::Statement st(_s);
    st << sql;
    for (size_t i = from; i < from + n; ++i) {
      const auto& e = entries[i];
      st, useRef(ids[i]), useRef(at[i]), useRef(e.actor), useRef(e.action), useRef(e.objectType),
          useRef(e.objectId), useRef(e.tenant), useRef(e.detail);
    }
    st.execute();
  }
}

}  // namespace keywarden::store
