#include "store/SqlCatalogRepository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "store/Sql.h"
#include "store/SqlQuery.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace keywarden::store {

namespace {
// Runs a SELECT filtered by one bound value (or none when `arg` is empty), and maps each row
// with `fn` (by column position); through the statement cache `q` when there is one (SQLite).
template <typename T, typename Fn>
std::vector<T> select(Poco::Data::Session& s, SqliteStatements* q, const std::string& base,
                      const std::string& filterCol, std::string arg, Fn fn) {
  std::string sql =
      arg.empty() ? base + " ORDER BY id" : base + " WHERE " + filterCol + " = $1 ORDER BY id";
  if (q) {
    std::vector<T> out;
    SqlQuery query(*q, sql);
    if (!arg.empty()) query.bind(1, arg);
    while (query.step()) out.push_back(fn(query));
    return out;
  }
  Statement st(s);
  st << sql;
  if (!arg.empty()) st, use(arg);
  return Sql::rows<T>(st, [&](RecordSet& rs) { return fn(PocoRow{rs}); });
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

// Rows of kClientCols, kApiCols, kGroupCols read by position (SqlQuery or PocoRow).
const auto clientOf = [](const auto& r) {
  engine::Client c;
  c.id = r.str(0);
  c.tenant = r.str(1);
  c.name = r.str(2);
  c.clientType = r.str(3);
  c.contactEmail = r.str(4);
  c.active = r.i64(5) != 0;
  c.createdAt = r.i64(6);
  c.updatedAt = r.i64(7);
  return c;
};

const auto apiOf = [](const auto& r) {
  engine::ApiDef a;
  a.id = r.str(0);
  a.tenant = r.str(1);
  a.name = r.str(2);
  a.method = r.str(3);
  a.path = r.str(4);
  a.scopes = Sql::parseList(r.str(5));
  a.createdAt = r.i64(6);
  a.updatedAt = r.i64(7);
  return a;
};

const auto groupOf = [](const auto& r) {
  engine::Group g;
  g.id = r.str(0);
  g.tenant = r.str(1);
  g.name = r.str(2);
  g.apis = Sql::parseList(r.str(3));
  g.createdAt = r.i64(4);
  g.updatedAt = r.i64(5);
  return g;
};
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
  return first(
      select<engine::Client>(_s, _q, kClientCols, "id", id.empty() ? "\x01" : id, clientOf));
}

std::vector<engine::Client> SqlCatalogRepository::listClients(const std::string& tenant) {
  return select<engine::Client>(_s, _q, kClientCols, "tenant", tenant, clientOf);
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
  return first(select<engine::ApiDef>(_s, _q, kApiCols, "id", id.empty() ? "\x01" : id, apiOf));
}

std::vector<engine::ApiDef> SqlCatalogRepository::listApis(const std::string& tenant) {
  return select<engine::ApiDef>(_s, _q, kApiCols, "tenant", tenant, apiOf);
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
  return first(select<engine::Group>(_s, _q, kGroupCols, "id", id.empty() ? "\x01" : id, groupOf));
}

std::vector<engine::Group> SqlCatalogRepository::listGroups(const std::string& tenant) {
  return select<engine::Group>(_s, _q, kGroupCols, "tenant", tenant, groupOf);
}

}  // namespace keywarden::store
