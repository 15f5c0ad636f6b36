#include "store/SqlTokenRepository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "store/Sql.h"

using namespace Poco::Data::Keywords;

namespace keywarden::store {

void SqlTokenRepository::insert(const engine::AccessToken& t0) {
  engine::AccessToken t = t0;
  std::string role(engine::roleName(t.role));
  Poco::Int64 created = t.createdAt, revoked = t.revokedAt;
  _s << "INSERT INTO access_tokens (id, digest, role, tenant, email, name, created_at, revoked_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      use(t.id), use(t.digestHex), use(role), use(t.tenant), use(t.email), use(t.name),
      use(created), use(revoked), now;
}

std::optional<engine::AccessToken> SqlTokenRepository::findByDigest(const std::string& d0) {
  std::string digest = d0;
  Poco::Data::Statement st(_s);
  st << "SELECT id, digest, role, tenant, email, name, created_at, revoked_at FROM access_tokens"
        " WHERE digest = $1",
      use(digest);
  st.execute();
  Poco::Data::RecordSet rs(st);
  if (!rs.moveFirst()) return std::nullopt;
  engine::AccessToken t;
  t.id = Sql::str(rs, "id");
  t.digestHex = Sql::str(rs, "digest");
  t.role = engine::parseRole(Sql::str(rs, "role")).value_or(engine::Role::Requester);
  t.tenant = Sql::str(rs, "tenant");
  t.email = Sql::str(rs, "email");
  t.name = Sql::str(rs, "name");
  t.createdAt = Sql::i64(rs, "created_at");
  t.revokedAt = Sql::i64(rs, "revoked_at");
  return t;
}

std::vector<engine::AccessToken> SqlTokenRepository::list() {
  std::vector<std::string> id, role, tenant, email, name;
  std::vector<Poco::Int64> created, revoked;
  _s << "SELECT id, role, tenant, email, name, created_at, revoked_at FROM access_tokens"
        " ORDER BY created_at, id",
      into(id), into(role), into(tenant), into(email), into(name), into(created), into(revoked),
      now;
  std::vector<engine::AccessToken> out(id.size());
  for (size_t i = 0; i < id.size(); ++i) {
    out[i].id = id[i];
    out[i].role = engine::parseRole(role[i]).value_or(engine::Role::Requester);
    out[i].tenant = tenant[i];
    out[i].email = email[i];
    out[i].name = name[i];
    out[i].createdAt = created[i];
    out[i].revokedAt = revoked[i];
  }
  return out;
}

bool SqlTokenRepository::revoke(const std::string& id0, int64_t at0) {
  std::string id = id0;
  Poco::Int64 at = at0;
  Poco::Data::Statement st(_s);
  st << "UPDATE access_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0", use(at),
      use(id);
  return st.execute() == 1;
}

int64_t SqlTokenRepository::countActive(engine::Role r) {
  std::string role(engine::roleName(r));
  Poco::Int64 n = 0;
  _s << "SELECT COUNT(*) FROM access_tokens WHERE role = $1 AND revoked_at = 0", use(role), into(n),
      now;
  return n;
}

}  // namespace keywarden::store
