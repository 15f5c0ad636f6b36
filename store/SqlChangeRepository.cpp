#include "store/SqlChangeRepository.h"

#include <Poco/Data/Statement.h>

#include "store/SqlQuery.h"

using namespace Poco::Data::Keywords;
using Poco::Data::Statement;

namespace keywarden::store {

void SqlChangeRepository::record(const std::string& kind0, const std::string& ref0,
                                 const std::string& origin0, int64_t at0) {
  if (!_recorded.insert({kind0, ref0}).second) return;
  drawSequence();
  std::string kind = kind0, ref = ref0, origin = origin0;
  Poco::Int64 seq = _seq, at = at0;
  const char* sql =
      "INSERT INTO changes (seq, kind, ref_id, origin, at) VALUES ($1, $2, $3, $4, $5)";
  if (_q) {
    SqlQuery(*_q, sql).bindAll(seq, kind, ref, origin, at).execute();
    return;
  }
  _s << sql, use(seq), use(kind), use(ref), use(origin), use(at), now;
}

void SqlChangeRepository::drawSequence() {
  if (_seq != 0) return;
  Poco::Int64 value = 0;
  // Locks the counter row until this transaction ends: the next writer draws after we commit.
  const char* sql = "UPDATE sequences SET value = value + 1 WHERE name = 'changes' RETURNING value";
  if (_q) {
    SqlQuery q(*_q, sql);
    if (q.step()) value = q.i64(0);
  } else {
    _s << sql, into(value), now;
  }
  _seq = value;
}

void SqlChangeRepository::recordMany(const std::string& kind0, const std::vector<std::string>& refs,
                                     const std::string& origin0, int64_t at0) {
  std::vector<std::string> fresh;
  for (const auto& r : refs)
    if (_recorded.insert({kind0, r}).second) fresh.push_back(r);
  if (fresh.empty()) return;
  drawSequence();
  std::string kind = kind0, origin = origin0;
  Poco::Int64 seq = _seq, at = at0;
  const size_t chunk = 100;  // 5 parameters a row
  for (size_t from = 0; from < fresh.size(); from += chunk) {
    size_t n = std::min(chunk, fresh.size() - from);
    std::string sql = "INSERT INTO changes (seq, kind, ref_id, origin, at) VALUES ";
    for (size_t r = 0; r < n; ++r) sql += (r ? ", (" : "(") + _d.params(r * 5 + 1, 5) + ")";
    Statement st(_s);
    st << sql;
    for (size_t i = from; i < from + n; ++i)
      st, useRef(seq), useRef(kind), useRef(fresh[i]), useRef(origin), useRef(at);
    st.execute();
  }
}

std::vector<engine::Change> SqlChangeRepository::since(int64_t seq0, int limit0) {
  Poco::Int64 from = seq0, limit = limit0;
  std::vector<Poco::Int64> seq, at;
  std::vector<std::string> kind, ref, origin;
  // Whole transactions only: every row of the last sequence number read comes along.
  Statement st(_s);
  st << "SELECT seq, kind, ref_id, origin, at FROM changes WHERE seq > $1 AND seq <= "
        "(SELECT COALESCE(MAX(seq), $1) FROM (SELECT seq FROM changes WHERE seq > $1 ORDER BY "
        "seq LIMIT $2) AS first) ORDER BY seq",
      use(from), use(limit), into(seq), into(kind), into(ref), into(origin), into(at);
  st.execute();
  std::vector<engine::Change> out(seq.size());
  for (size_t i = 0; i < seq.size(); ++i)
    out[i] = {seq[i], std::move(kind[i]), std::move(ref[i]), std::move(origin[i]), at[i]};
  return out;
}

int64_t SqlChangeRepository::latest() {
  Poco::Int64 value = 0;
  _s << "SELECT value FROM sequences WHERE name = 'changes'", into(value), now;
  return value;
}

int SqlChangeRepository::purge(int64_t before0) {
  Poco::Int64 before = before0;
  Statement st(_s);
  st << "DELETE FROM changes WHERE at < $1", use(before);
  return static_cast<int>(st.execute());
}

}  // namespace keywarden::store
