#include "store/SqlCatalogRepository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "store/Sql.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace keywarden::store {

namespace {
// Runs a SELECT filtered by one bound value (or none when `arg` is empty and `optional`),
// and maps each row with `fn`.
template <typename T, typename Fn>
std::vector<T> select(Poco::Data::Session& s, const std::string& base, const std::string& filterCol,
                      std::string arg, Fn fn) {
  Statement st(s);
  if (arg.empty()) {
    st << base + " ORDER BY id";
  } else {
    st << base + " WHERE " + filterCol + " = $1 ORDER BY id", use(arg);
  }
  return Sql::rows<T>(st, fn);
}

template <typename T>
std::optional<T> first(std::vector<T> v) {
  if (v.empty()) return std::nullopt;
  return std::move(v.front());
}

void deleteById(Poco::Data::Session& s, const std::string& table, std::string id) {
  s << "DELETE FROM " + table + " WHERE id = $1", use(id), now;
}

const char* kClientCols =
    "SELECT id, tenant, name, client_type, contact_email, active, created_at, updated_at FROM "
    "clients";
const char* kApiCols =
    "SELECT id, tenant, name, method, path, scopes, created_at, updated_at FROM apis";
const char* kGroupCols = "SELECT id, tenant, name, api_ids, created_at, updated_at FROM api_groups";

engine::Client clientOf(RecordSet& rs) {
  engine::Client c;
  c.id = Sql::str(rs, "id");
  c.tenant = Sql::str(rs, "tenant");
  c.name = Sql::str(rs, "name");
  c.clientType = Sql::str(rs, "client_type");
  c.contactEmail = Sql::str(rs, "contact_email");
  c.active = Sql::i64(rs, "active") != 0;
  c.createdAt = Sql::i64(rs, "created_at");
  c.updatedAt = Sql::i64(rs, "updated_at");
  return c;
}

engine::ApiDef apiOf(RecordSet& rs) {
  engine::ApiDef a;
  a.id = Sql::str(rs, "id");
  a.tenant = Sql::str(rs, "tenant");
  a.name = Sql::str(rs, "name");
  a.method = Sql::str(rs, "method");
  a.path = Sql::str(rs, "path");
  a.scopes = Sql::list(rs, "scopes");
  a.createdAt = Sql::i64(rs, "created_at");
  a.updatedAt = Sql::i64(rs, "updated_at");
  return a;
}

engine::Group groupOf(RecordSet& rs) {
  engine::Group g;
  g.id = Sql::str(rs, "id");
  g.tenant = Sql::str(rs, "tenant");
  g.name = Sql::str(rs, "name");
  g.apis = Sql::list(rs, "api_ids");
  g.createdAt = Sql::i64(rs, "created_at");
  g.updatedAt = Sql::i64(rs, "updated_at");
  return g;
}
}  // namespace

void SqlCatalogRepository::insertClient(const engine::Client& c0) {
  engine::Client c = c0;
  Poco::Int64 active = c.active ? 1 : 0, created = c.createdAt, updated = c.updatedAt;
  _s << "INSERT INTO clients (id, tenant, name, client_type, contact_email, active, created_at,"
        " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      use(c.id), use(c.tenant), use(c.name), use(c.clientType), use(c.contactEmail), use(active),
      use(created), use(updated), now;
}

void SqlCatalogRepository::updateClient(const engine::Client& c0) {
  engine::Client c = c0;
  Poco::Int64 active = c.active ? 1 : 0, updated = c.updatedAt;
  _s << "UPDATE clients SET name = $1, client_type = $2, contact_email = $3, active = $4,"
        " updated_at = $5 WHERE id = $6",
      use(c.name), use(c.clientType), use(c.contactEmail), use(active), use(updated), use(c.id),
      now;
}

void SqlCatalogRepository::deleteClient(const std::string& id) {
  deleteById(_s, "clients", id);
}

std::optional<engine::Client> SqlCatalogRepository::findClient(const std::string& id) {
  return first(select<engine::Client>(_s, kClientCols, "id", id.empty() ? "\x01" : id, clientOf));
}

std::vector<engine::Client> SqlCatalogRepository::listClients(const std::string& tenant) {
  return select<engine::Client>(_s, kClientCols, "tenant", tenant, clientOf);
}

void SqlCatalogRepository::insertApi(const engine::ApiDef& a0) {
  engine::ApiDef a = a0;
  std::string scopes = Sql::listText(a.scopes);
  Poco::Int64 created = a.createdAt, updated = a.updatedAt;
  _s << "INSERT INTO apis (id, tenant, name, method, path, scopes, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      use(a.id), use(a.tenant), use(a.name), use(a.method), use(a.path), use(scopes), use(created),
      use(updated), now;
}

void SqlCatalogRepository::updateApi(const engine::ApiDef& a0) {
  engine::ApiDef a = a0;
  std::string scopes = Sql::listText(a.scopes);
  Poco::Int64 updated = a.updatedAt;
  _s << "UPDATE apis SET name = $1, method = $2, path = $3, scopes = $4, updated_at = $5 WHERE id "
        "= $6",
      use(a.name), use(a.method), use(a.path), use(scopes), use(updated), use(a.id), now;
}

void SqlCatalogRepository::deleteApi(const std::string& id) {
  deleteById(_s, "apis", id);
}

std::optional<engine::ApiDef> SqlCatalogRepository::findApi(const std::string& id) {
  return first(select<engine::ApiDef>(_s, kApiCols, "id", id.empty() ? "\x01" : id, apiOf));
}

std::vector<engine::ApiDef> SqlCatalogRepository::listApis(const std::string& tenant) {
  return select<engine::ApiDef>(_s, kApiCols, "tenant", tenant, apiOf);
}

void SqlCatalogRepository::insertGroup(const engine::Group& g0) {
  engine::Group g = g0;
  std::string apis = Sql::listText(g.apis);
  Poco::Int64 created = g.createdAt, updated = g.updatedAt;
  _s << "INSERT INTO api_groups (id, tenant, name, api_ids, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
      use(g.id), use(g.tenant), use(g.name), use(apis), use(created), use(updated), now;
}

void SqlCatalogRepository::updateGroup(const engine::Group& g0) {
  engine::Group g = g0;
  std::string apis = Sql::listText(g.apis);
  Poco::Int64 updated = g.updatedAt;
  _s << "UPDATE api_groups SET name = $1, api_ids = $2, updated_at = $3 WHERE id = $4", use(g.name),
      use(apis), use(updated), use(g.id), now;
}

void SqlCatalogRepository::deleteGroup(const std::string& id) {
  deleteById(_s, "api_groups", id);
}

std::optional<engine::Group> SqlCatalogRepository::findGroup(const std::string& id) {
  return first(select<engine::Group>(_s, kGroupCols, "id", id.empty() ? "\x01" : id, groupOf));
}

std::vector<engine::Group> SqlCatalogRepository::listGroups(const std::string& tenant) {
  return select<engine::Group>(_s, kGroupCols, "tenant", tenant, groupOf);
}

}  // namespace keywarden::store
