#include "store/SqlJobRepository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "store/Sql.h"
#include "store/SqlQuery.h"

#include <algorithm>

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace keywarden::store {

namespace {
const char* kCols =
    "SELECT id, kind, ref_id, due_at, payload, status, attempts, last_error, created_at, done_at "
    "FROM jobs";

engine::Job jobOf(RecordSet& rs) {
  engine::Job j;
  {
    j.id = Sql::str(rs, "id");
    j.kind = Sql::str(rs, "kind");
    j.refId = Sql::str(rs, "ref_id");
    j.dueAt = Sql::i64(rs, "due_at");
    j.payload = Sql::str(rs, "payload");
    j.status = Sql::str(rs, "status");
    j.attempts = static_cast<int>(Sql::i64(rs, "attempts"));
    j.lastError = Sql::str(rs, "last_error");
    j.createdAt = Sql::i64(rs, "created_at");
    j.doneAt = Sql::i64(rs, "done_at");
  }
  return j;
}

std::vector<engine::Job> jobsOf(Statement& st) {
  return Sql::rows<engine::Job>(st, jobOf);
}
}  // namespace

void SqlJobRepository::insert(const engine::Job& j0) {
  engine::Job j = j0;
  Poco::Int64 due = j.dueAt, attempts = j.attempts, created = j.createdAt, done = j.doneAt;
  const char* sql =
      "INSERT INTO jobs (id, kind, ref_id, due_at, payload, status, attempts, last_error,"
      " created_at, done_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
  if (_q) {
    SqlQuery(*_q, sql)
        .bindAll(j.id, j.kind, j.refId, due, j.payload, j.status, attempts, j.lastError, created,
                 done)
        .execute();
    return;
  }
  _s << sql, use(j.id), use(j.kind), use(j.refId), use(due), use(j.payload), use(j.status),
      use(attempts), use(j.lastError), use(created), use(done), now;
}

void SqlJobRepository::cancel(const std::string& kind0, const std::string& ref0, int64_t at0) {
  std::string kind = kind0, ref = ref0;
  Poco::Int64 at = at0;
  const std::string sql = "UPDATE jobs SET status = 'CANCELLED', done_at = $1 WHERE " +
                          _d.noIndex("status") +
                          " = 'PENDING' AND ref_id = $2 AND ($3 = '' OR kind = $3)";
  if (_q) {
    SqlQuery(*_q, sql).bindAll(at, ref, kind).execute();
    return;
  }
  _s << sql, use(at), use(ref), use(kind), now;
}

std::vector<engine::Job> SqlJobRepository::claimDue(int64_t now0, int limit0) {
  Poco::Int64 at = now0, limit = limit0;  // not `now`: that is Poco's keyword
  const std::string sql =
      "SELECT id, kind, ref_id, due_at, payload, attempts, created_at FROM jobs WHERE status ="
      " 'PENDING' AND due_at <= $1 ORDER BY due_at, id LIMIT $2" +
      _d.skipLocked();
  if (_q) {
    std::vector<engine::Job> out;
    SqlQuery q(*_q, sql);
    q.bindAll(at, limit);
    while (q.step()) {
      engine::Job j;
      j.id = q.str(0);
      j.kind = q.str(1);
      j.refId = q.str(2);
      j.dueAt = q.i64(3);
      j.payload = q.str(4);
      j.attempts = static_cast<int>(q.i64(5));
      j.createdAt = q.i64(6);
      out.push_back(std::move(j));
    }
    return out;
  }
  // Typed column vectors, not a RecordSet: claiming is on the path of large sweeps.
  std::vector<std::string> id, kind, ref, payload;
  std::vector<Poco::Int64> due, attempts, created;
  Statement st(_s);
  st << sql, use(at), use(limit), into(id), into(kind), into(ref), into(due), into(payload),
      into(attempts), into(created);
  st.execute();
  std::vector<engine::Job> out(id.size());
  for (size_t i = 0; i < id.size(); ++i) {
    out[i].id = std::move(id[i]);
    out[i].kind = std::move(kind[i]);
    out[i].refId = std::move(ref[i]);
    out[i].dueAt = due[i];
    out[i].payload = std::move(payload[i]);
    out[i].attempts = static_cast<int>(attempts[i]);
    out[i].createdAt = created[i];
  }
  return out;
}

void SqlJobRepository::markDone(const std::string& id0, int64_t at0) {
  std::string id = id0;
  Poco::Int64 at = at0;
  const char* sql =
      "UPDATE jobs SET status = 'DONE', done_at = $1, attempts = attempts + 1 WHERE id = $2";
  if (_q) {
    SqlQuery(*_q, sql).bindAll(at, id).execute();
    return;
  }
  _s << sql, use(at), use(id), now;
}

namespace {
constexpr size_t kChunk = 500;
}  // namespace

void SqlJobRepository::markDoneMany(const std::vector<std::string>& ids, int64_t at0) {
  Poco::Int64 at = at0;
  for (size_t from = 0; from < ids.size(); from += kChunk) {
    size_t n = std::min(kChunk, ids.size() - from);
    Statement st(_s);
    st << "UPDATE jobs SET status = 'DONE', done_at = $1, attempts = attempts + 1 WHERE id IN (" +
              _d.params(2, n) + ")",
        useRef(at);
    for (size_t i = from; i < from + n; ++i) st, useRef(ids[i]);
    st.execute();
  }
}

void SqlJobRepository::cancelOthers(const std::vector<std::string>& refIds,
                                    const std::string& keepKind, int64_t at0) {
  Poco::Int64 at = at0;
  for (size_t from = 0; from < refIds.size(); from += kChunk) {
    size_t n = std::min(kChunk, refIds.size() - from);
    Statement st(_s);
    st << "UPDATE jobs SET status = 'CANCELLED', done_at = $1 WHERE " + _d.noIndex("status") +
              " = 'PENDING' AND kind <> $2 AND ref_id IN (" + _d.params(3, n) + ")",
        useRef(at), useRef(keepKind);
    for (size_t i = from; i < from + n; ++i) st, useRef(refIds[i]);
    st.execute();
  }
}

void SqlJobRepository::markRetry(const std::string& id0, const std::string& error0, int64_t next0,
                                 int attempts0) {
  std::string id = id0, error = error0;
  Poco::Int64 next = next0, attempts = attempts0;
  _s << "UPDATE jobs SET due_at = $1, last_error = $2, attempts = $3 WHERE id = $4", use(next),
      use(error), use(attempts), use(id), now;
}

void SqlJobRepository::markFailed(const std::string& id0, const std::string& error0,
                                  int attempts0) {
  std::string id = id0, error = error0;
  Poco::Int64 attempts = attempts0;
  _s << "UPDATE jobs SET status = 'FAILED', last_error = $1, attempts = $2 WHERE id = $3",
      use(error), use(attempts), use(id), now;
}

std::optional<int64_t> SqlJobRepository::nextDue() {
  Poco::Int64 n = 0, due = 0;
  _s << "SELECT COUNT(*), COALESCE(MIN(due_at), 0) FROM jobs WHERE status = 'PENDING'", into(n),
      into(due), now;
  if (n == 0) return std::nullopt;
  return due;
}

std::vector<engine::Job> SqlJobRepository::list(const std::string& status0,
                                                const std::string& kind0) {
  std::string status = status0, kind = kind0;
  Statement st(_s);
  st << std::string(kCols) +
            " WHERE ($1 = '' OR status = $1) AND ($2 = '' OR kind = $2) ORDER BY due_at, id",
      use(status), use(kind);
  return jobsOf(st);
}

std::optional<engine::Job> SqlJobRepository::find(const std::string& id0) {
  std::string id = id0;
  Statement st(_s);
  st << std::string(kCols) + " WHERE id = $1", use(id);
  auto rows = jobsOf(st);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

bool SqlJobRepository::requeueFailed(const std::string& id0, int64_t due0) {
  std::string id = id0;
  Poco::Int64 due = due0;
  Statement st(_s);
  st << "UPDATE jobs SET status = 'PENDING', due_at = $1, attempts = 0, last_error = '',"
        " done_at = 0"
        " WHERE id = $2 AND status = 'FAILED'",
      use(due), use(id);
  return st.execute() > 0;
}

bool SqlJobRepository::pendingExists(const std::string& kind0) {
  std::string kind = kind0;
  Poco::Int64 n = 0;
  _s << "SELECT COUNT(*) FROM jobs WHERE status = 'PENDING' AND kind = $1", use(kind), into(n), now;
  return n > 0;
}

engine::JobRepository::Figures SqlJobRepository::figures(int64_t now0) {
  Figures f;
  Poco::Int64 pending = 0, failed = 0, overdueN = 0, oldest = 0, at = now0;
  _s << "SELECT COUNT(*) FROM jobs WHERE status = 'PENDING'", into(pending), now;
  _s << "SELECT COUNT(*) FROM jobs WHERE status = 'FAILED'", into(failed), now;
  _s << "SELECT COUNT(*), COALESCE(MIN(due_at), 0) FROM jobs WHERE status = 'PENDING' AND due_at "
        "<= $1",
      use(at), into(overdueN), into(oldest), now;
  f.pending = pending;
  f.failed = failed;
  f.oldestOverdueDueAt = overdueN > 0 ? oldest : 0;
  return f;
}

}  // namespace keywarden::store
