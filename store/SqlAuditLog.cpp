#include "store/SqlAuditLog.h"

#include "engine/audit/AuditChain.h"
#include "engine/base/Ids.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "store/Sql.h"
#include "store/SqlQuery.h"

#include <algorithm>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace keywarden::store {

namespace {
// Inserts rows[from, from + n) in one multi-row INSERT; through the statement cache `q` when
// there is one (SQLite).
void insertRows(Poco::Data::Session& s, SqliteStatements* q, const Dialect& d,
                std::vector<engine::ChainedAuditRow>& rows, size_t from, size_t n) {
  std::string sql =
      "INSERT INTO audit_log (id, at, actor, action, object_type, object_id, tenant, detail,"
      " seq, prev_hash, hash) VALUES ";
  for (size_t r = 0; r < n; ++r) sql += (r ? ", (" : "(") + d.params(r * 11 + 1, 11) + ")";
  if (q) {
    SqlQuery query(*q, sql);  // `?` placeholders: bound by position
    for (size_t i = from; i < from + n; ++i) {
      const auto& r = rows[i];
      const auto& e = r.entry;
      const int k = static_cast<int>((i - from) * 11);
      query.bind(k + 1, r.id).bind(k + 2, e.at).bind(k + 3, e.actor).bind(k + 4, e.action);
      query.bind(k + 5, e.objectType).bind(k + 6, e.objectId).bind(k + 7, e.tenant);
      query.bind(k + 8, e.detail).bind(k + 9, r.seq).bind(k + 10, r.prevHash);
      query.bind(k + 11, r.hash);
    }
    query.execute();
    return;
  }
  Poco::Data::Statement st(s);
  st << sql;
  for (size_t i = from; i < from + n; ++i) {
    auto& r = rows[i];
    auto& e = r.entry;
    st, useRef(r.id), useRef(e.at), useRef(e.actor), useRef(e.action), useRef(e.objectType),
        useRef(e.objectId), useRef(e.tenant), useRef(e.detail), useRef(r.seq), useRef(r.prevHash),
        useRef(r.hash);
  }
  st.execute();
}
}  // namespace

void SqlAuditLog::append(const engine::AuditEntry& e) {
  _pending.push_back(e);
}

void SqlAuditLog::appendMany(const std::vector<engine::AuditEntry>& entries) {
  _pending.insert(_pending.end(), entries.begin(), entries.end());
}

void SqlAuditLog::flush() {
  if (_pending.empty()) return;
  std::vector<engine::AuditEntry> entries;
  entries.swap(_pending);

  // The head: held until COMMIT, so the next transaction chains to this one's last row.
  Poco::Int64 headSeq = -1;
  std::string headHash;
  const std::string headSql =
      "SELECT seq, hash FROM audit_chain WHERE name = 'audit'" + _d.forUpdate();
  size_t found = 0;
  if (_q) {
    SqlQuery q(*_q, headSql);
    if (q.step()) headSeq = q.i64(0), headHash = q.str(1), found = 1;
  } else {
    Poco::Data::Statement head(_s);
    head << headSql, into(headSeq), into(headHash);
    found = head.execute();
  }
  if (found == 0 || headSeq < 0)
    throw std::runtime_error("audit_chain: the audit chain head is missing; run keywarden migrate");

  std::vector<engine::ChainedAuditRow> rows(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& r = rows[i];
    r.seq = ++headSeq;
    r.id = engine::Ids::make("aud");
    r.entry = std::move(entries[i]);
    r.prevHash = headHash;
    r.hash = engine::AuditChain::hashOf(r);
    headHash = r.hash;
  }

  // Multi-row INSERTs of up to 80 rows (11 parameters each, under SQLite's old 999 limit): a
  // sweep writes thousands.
  const size_t chunk = 80;
  for (size_t from = 0; from < rows.size(); from += chunk)
    insertRows(_s, _q, _d, rows, from, std::min(chunk, rows.size() - from));
  const char* moveHead = "UPDATE audit_chain SET seq = $1, hash = $2 WHERE name = 'audit'";
  if (_q)
    SqlQuery(*_q, moveHead).bindAll(headSeq, headHash).execute();
  else
    _s << moveHead, use(headSeq), use(headHash), now;
}

std::vector<engine::AuditRecord> SqlAuditLog::find(const engine::AuditQuery& q) {
  // Every value is bound; the SQL text holds only column names, placeholders and the clamped
  // row limit.
  Poco::Int64 from = q.fromMs, to = q.toMs, beforeAt = q.beforeAt;
  std::vector<std::string> texts;
  texts.reserve(5);
  std::string where = "at >= $1 AND at < $2";
  if (!q.beforeId.empty()) {
    texts.push_back(q.beforeId);
    where += " AND (at < $3 OR (at = $3 AND id < $4))";
  }
  int next = q.beforeId.empty() ? 3 : 5;
  auto narrow = [&](const char* column, const std::string& value) {
    if (value.empty()) return;
    texts.push_back(value);
    where += std::string(" AND ") + column + " = $" + std::to_string(next++);
  };
  narrow("tenant", q.tenant);
  narrow("object_type", q.objectType);
  narrow("object_id", q.objectId);
  narrow("actor", q.actor);
  int limit = std::max(1, std::min(q.limit, 1000));
  Poco::Data::Statement st(_s);
  st << "SELECT id, at, actor, action, object_type, object_id, tenant, detail FROM audit_log"
        " WHERE " +
            where + " ORDER BY at DESC, id DESC LIMIT " + std::to_string(limit),
      useRef(from), useRef(to);
  if (!q.beforeId.empty()) st, useRef(beforeAt);
  for (auto& t : texts) st, useRef(t);
  return Sql::rows<engine::AuditRecord>(st, [](Poco::Data::RecordSet& rs) {
    engine::AuditRecord r;
    r.id = Sql::str(rs, "id");
    r.entry = {Sql::i64(rs, "at"),          Sql::str(rs, "actor"),     Sql::str(rs, "action"),
               Sql::str(rs, "object_type"), Sql::str(rs, "object_id"), Sql::str(rs, "tenant"),
               Sql::str(rs, "detail")};
    return r;
  });
}

}  // namespace keywarden::store
