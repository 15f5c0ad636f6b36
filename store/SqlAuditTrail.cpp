#include "store/SqlAuditTrail.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <stdexcept>

#include "store/Sql.h"

using namespace Poco::Data::Keywords;

namespace keywarden::store {

namespace {
constexpr int kPage = 1000;
}

SqlAuditTrail::SqlAuditTrail(Poco::Data::Session& s, const Dialect& d) : _s(s), _d(d) {
  _s << (_d.kind() == DialectKind::PostgreSQL ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                                              : "BEGIN"),
      now;
}

SqlAuditTrail::~SqlAuditTrail() {
  try {
    _s << "ROLLBACK", now;  // read only: nothing to keep
  } catch (...) {
  }
}

AuditChainHead SqlAuditTrail::head() {
  Poco::Data::Statement st(_s);
  st << "SELECT seq, hash, legacy_rows, legacy_max_at FROM audit_chain WHERE name = 'audit'";
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (!rs.moveFirst()) throw std::runtime_error("audit_chain: the audit chain head is missing");
  AuditChainHead h;
  h.seq = Sql::i64(rs, "seq");
  h.hash = Sql::str(rs, "hash");
  h.legacyRows = Sql::i64(rs, "legacy_rows");
  h.legacyMaxAt = Sql::i64(rs, "legacy_max_at");
  return h;
}

int64_t SqlAuditTrail::unchainedCount() {
  Poco::Int64 n = 0;
  _s << "SELECT COUNT(*) FROM audit_log WHERE seq = 0", into(n), now;
  return n;
}

void SqlAuditTrail::page(const std::string& order, int64_t since,
                         const std::function<bool(const engine::ChainedAuditRow&)>& fn) {
  // Keyset paging on (k, id), k being seq or at: each page starts after the last row read.
  const bool chained = order == "seq";
  Poco::Int64 lastK = chained ? 0 : since - 1, sinceAt = since;
  std::string lastId;
  bool first = true;
  for (;;) {
    Poco::Data::Statement st(_s);
    std::string k = order;
    st << "SELECT seq, id, at, actor, action, object_type, object_id, tenant, detail, prev_hash,"
          " hash FROM audit_log WHERE " +
              std::string(chained ? "seq > 0" : "seq = 0") + " AND at >= $1 AND (" + k +
              " > $2 OR (" + k + " = $3 AND id > $4)) ORDER BY " + k + ", id LIMIT " +
              std::to_string(kPage),
        use(sinceAt), use(lastK), use(lastK), use(lastId);
    if (first) lastId = "";
    first = false;
    st.execute();
    Poco::Data::RecordSet rs(st);
    size_t n = 0;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
      ++n;
      engine::ChainedAuditRow r;
      r.seq = Sql::i64(rs, "seq");
      r.id = Sql::str(rs, "id");
      r.entry.at = Sql::i64(rs, "at");
      r.entry.actor = Sql::str(rs, "actor");
      r.entry.action = Sql::str(rs, "action");
      r.entry.objectType = Sql::str(rs, "object_type");
      r.entry.objectId = Sql::str(rs, "object_id");
      r.entry.tenant = Sql::str(rs, "tenant");
      r.entry.detail = Sql::str(rs, "detail");
      r.prevHash = Sql::str(rs, "prev_hash");
      r.hash = Sql::str(rs, "hash");
      lastK = chained ? r.seq : r.entry.at;
      lastId = r.id;
      if (!fn(r)) return;
    }
    if (n < static_cast<size_t>(kPage)) return;
  }
}

void SqlAuditTrail::forEachChained(int64_t sinceAt,
                                   const std::function<bool(const engine::ChainedAuditRow&)>& fn) {
  page("seq", sinceAt, fn);
}

void SqlAuditTrail::forEachUnchained(
    int64_t sinceAt, const std::function<bool(const engine::ChainedAuditRow&)>& fn) {
  page("at", sinceAt, fn);
}

}  // namespace keywarden::store
