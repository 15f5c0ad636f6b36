#include "engine/audit/AuditReader.h"

#include <algorithm>

namespace keywarden::engine {

Result<AuditPage> AuditReader::page(const Principal& p, AuditQuery q) {
  if (p.role != Role::Admin)
    return Error::forbidden("FORBIDDEN_ROLE", "the audit trail is for admins");
  if (!p.tenant.empty()) {
    if (!q.tenant.empty() && q.tenant != p.tenant)
      return Error::forbidden("TENANT_FORBIDDEN", "you may not act in tenant '" + q.tenant + "'");
    q.tenant = p.tenant;
  }
  if (q.toMs <= q.fromMs)
    return Error::badInput("to", "the end of the range must be after its start", "INVALID_RANGE");
  q.limit = std::max(1, std::min(q.limit, 500));
  int wanted = q.limit;
  ++q.limit;  // one more than shown: whether an older page exists
  AuditPage out;
  _store.read([&](Transaction& tx) { out.rows = tx.audit().find(q); });
  out.more = static_cast<int>(out.rows.size()) > wanted;
  if (out.more) out.rows.resize(wanted);
  return out;
}

}  // namespace keywarden::engine
