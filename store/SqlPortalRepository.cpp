#include "store/SqlPortalRepository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "store/Sql.h"
#include "store/SqlQuery.h"

using namespace Poco::Data::Keywords;

namespace keywarden::store {

using engine::portal::Session;
using engine::portal::SigninLink;

void SqlPortalRepository::insertSignin(const SigninLink& l0) {
  SigninLink l = l0;
  Poco::Int64 created = l.createdAt, expires = l.expiresAt, used = l.usedAt;
  _s << "INSERT INTO portal_signins (id, digest, email, created_at, expires_at, used_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
      use(l.id), use(l.digestHex), use(l.email), use(created), use(expires), use(used), now;
}

std::optional<SigninLink> SqlPortalRepository::findSignin(const std::string& d0) {
  std::string digest = d0;
  Poco::Data::Statement st(_s);
  st << "SELECT id, digest, email, created_at, expires_at, used_at FROM portal_signins"
        " WHERE digest = $1",
      use(digest);
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (!rs.moveFirst()) return std::nullopt;
  SigninLink l;
  l.id = Sql::str(rs, "id");
  l.digestHex = Sql::str(rs, "digest");
  l.email = Sql::str(rs, "email");
  l.createdAt = Sql::i64(rs, "created_at");
  l.expiresAt = Sql::i64(rs, "expires_at");
  l.usedAt = Sql::i64(rs, "used_at");
  return l;
}

bool SqlPortalRepository::consumeSignin(const std::string& id0, int64_t at0) {
  std::string id = id0;
  Poco::Int64 at = at0, at2 = at0;
  Poco::Data::Statement st(_s);
  st << "UPDATE portal_signins SET used_at = $1 WHERE id = $2 AND used_at = 0 AND expires_at > $3",
      use(at), use(id), use(at2);
  return st.execute() == 1;
}

int SqlPortalRepository::voidSigninsOf(const std::string& email0, int64_t at0) {
  std::string email = email0;
  Poco::Int64 at = at0;
  Poco::Data::Statement st(_s);
  st << "UPDATE portal_signins SET used_at = $1 WHERE email = $2 AND used_at = 0", use(at),
      use(email);
  return static_cast<int>(st.execute());
}

void SqlPortalRepository::insertSession(const Session& s0) {
  Session s = s0;
  Poco::Int64 created = s.createdAt, seen = s.lastSeenAt, expires = s.expiresAt, ended = s.endedAt;
  _s << "INSERT INTO portal_sessions (id, digest, email, via, created_at, last_seen_at,"
        " expires_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      use(s.id), use(s.digestHex), use(s.email), use(s.via), use(created), use(seen), use(expires),
      use(ended), now;
}

std::optional<Session> SqlPortalRepository::findSession(const std::string& d0) {
  std::string digest = d0;
  Poco::Data::Statement st(_s);
  st << "SELECT id, digest, email, via, created_at, last_seen_at, expires_at, ended_at"
        " FROM portal_sessions WHERE digest = $1",
      use(digest);
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (!rs.moveFirst()) return std::nullopt;
  Session s;
  s.id = Sql::str(rs, "id");
  s.digestHex = Sql::str(rs, "digest");
  s.email = Sql::str(rs, "email");
  s.via = Sql::str(rs, "via");
  s.createdAt = Sql::i64(rs, "created_at");
  s.lastSeenAt = Sql::i64(rs, "last_seen_at");
  s.expiresAt = Sql::i64(rs, "expires_at");
  s.endedAt = Sql::i64(rs, "ended_at");
  return s;
}

void SqlPortalRepository::touchSession(const std::string& id0, int64_t at0) {
  std::string id = id0;
  Poco::Int64 at = at0;
  _s << "UPDATE portal_sessions SET last_seen_at = $1 WHERE id = $2 AND ended_at = 0", use(at),
      use(id), now;
}

bool SqlPortalRepository::endSession(const std::string& id0, int64_t at0) {
  std::string id = id0;
  Poco::Int64 at = at0;
  Poco::Data::Statement st(_s);
  st << "UPDATE portal_sessions SET ended_at = $1 WHERE id = $2 AND ended_at = 0", use(at), use(id);
  return st.execute() == 1;
}

int SqlPortalRepository::endSessionsOf(const std::string& e0, int64_t at0) {
  std::string email = e0;
  Poco::Int64 at = at0;
  Poco::Data::Statement st(_s);
  st << "UPDATE portal_sessions SET ended_at = $1 WHERE email = $2 AND ended_at = 0", use(at),
      use(email);
  return static_cast<int>(st.execute());
}

int SqlPortalRepository::purge(int64_t before0) {
  Poco::Int64 b1 = before0, b2 = before0, b3 = before0;
  Poco::Data::Statement links(_s);
  links << "DELETE FROM portal_signins WHERE expires_at < $1", use(b1);
  size_t n = links.execute();
  Poco::Data::Statement sessions(_s);
  sessions
      << "DELETE FROM portal_sessions WHERE expires_at < $1 OR (ended_at > 0 AND ended_at < $2)",
      use(b2), use(b3);
  n += sessions.execute();
  return static_cast<int>(n);
}

std::vector<std::string> SqlPortalRepository::decidedBy(const std::string& a0, int limit0) {
  std::string approver = a0;
  Poco::Int64 limit = limit0;
  std::vector<std::string> ids;
  std::vector<Poco::Int64> last;
  _s << "SELECT application_id, MAX(at) AS last FROM application_decisions"
        " WHERE approver = $1 AND event IN ('approve', 'reject', 'return')"
        " GROUP BY application_id ORDER BY last DESC, application_id DESC LIMIT $2",
      use(approver), use(limit), into(ids), into(last), now;
  return ids;
}

std::vector<std::string> SqlPortalRepository::keysHeldBy(const std::string& e0, int limit0) {
  std::string e1 = e0, e2 = e0;
  Poco::Int64 limit = limit0;
  std::vector<std::string> ids;
  _s << "SELECT k.id FROM api_keys k LEFT JOIN applications a ON a.id = k.application_id"
        " LEFT JOIN clients c ON c.id = k.client_id"
        " WHERE a.requester_email = $1 OR LOWER(c.contact_email) = $2"
        " ORDER BY k.created_at DESC, k.id DESC LIMIT $3",
      use(e1), use(e2), use(limit), into(ids), now;
  return ids;
}

std::string SqlPortalRepository::languageOf(const std::string& email0) {
  std::string email = email0;
  const char* sql = "SELECT language FROM person_languages WHERE email = $1";
  if (_q) {
    SqlQuery q(*_q, sql);
    q.bind(1, email);
    return q.step() ? q.str(0) : std::string();
  }
  Poco::Data::Statement st(_s);
  st << sql, use(email);
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (!rs.moveFirst()) return "";
  return Sql::str(rs, "language");
}

void SqlPortalRepository::setLanguage(const std::string& email0, const std::string& language0,
                                      int64_t at0) {
  std::string email = email0, language = language0;
  Poco::Int64 at = at0;
  // ON CONFLICT … DO UPDATE: SQLite ≥ 3.24 and PostgreSQL ≥ 9.5 both read it.
  _s << "INSERT INTO person_languages (email, language, updated_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (email) DO UPDATE SET language = excluded.language,"
        " updated_at = excluded.updated_at",
      use(email), use(language), use(at), now;
}

}  // namespace keywarden::store
