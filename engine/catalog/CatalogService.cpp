#include "engine/catalog/CatalogService.h"

#include <algorithm>

#include "engine/base/Ids.h"
#include "engine/cluster/CachePublisher.h"
#include "engine/text/JsonText.h"
#include "engine/text/PathPattern.h"
#include "engine/text/Validation.h"

namespace keywarden::engine {

namespace {
const char* kMethods[] = {"*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};

// Finds an object by id and hides it from principals of other tenants.
template <typename T>
Result<T> visible(const Principal& p, std::optional<T> found, const char* what,
                  const std::string& id) {
  if (!found || !p.seesTenant(found->tenant)) return Error::notFound(what, id);
  return std::move(*found);
}

template <typename T>
std::vector<T> onlyVisible(const Principal& p, std::vector<T> items) {
  items.erase(std::remove_if(items.begin(), items.end(),
                             [&](const T& t) { return !p.seesTenant(t.tenant); }),
              items.end());
  return items;
}
}  // namespace

CatalogService::CatalogService(Store& store, KeyCache& cache, const Clock& clock)
    : _store(store), _cache(cache), _clock(clock) {}

Result<std::string> CatalogService::tenantFor(const Principal& p, const std::string& requested) {
  if (requested.empty()) return p.tenant.empty() ? std::string("default") : p.tenant;
  if (auto e = Validation::tenant("tenant", requested)) return *e;
  if (!p.seesTenant(requested))
    return Error::forbidden("TENANT_FORBIDDEN",
                            "this token may not act in tenant '" + requested + "'");
  return requested;
}

std::shared_ptr<const ApiCatalog> CatalogService::compile(Transaction& tx) {
  return std::make_shared<const ApiCatalog>(tx.catalog().listApis(""), tx.catalog().listGroups(""));
}

void CatalogService::warmCache() {
  std::vector<Client> clients;
  std::shared_ptr<const ApiCatalog> catalog;
  // Drawn before the read: a snapshot read now must not win over a change committed meanwhile.
  uint64_t generation = ++_catalogGeneration;
  _store.read([&](Transaction& tx) {
    clients = tx.catalog().listClients("");
    catalog = compile(tx);
  });
  for (const auto& c : clients) _cache.upsertClient(c);
  _cache.setCatalog(std::move(catalog), generation);
}

void CatalogService::refreshCatalog(Transaction& tx) {
  auto catalog = compile(tx);
  uint64_t generation = ++_catalogGeneration;  // write transactions are serialised
  CachePublisher(_cache).catalog(tx, std::move(catalog), generation, _clock.nowMs());
}

void CatalogService::publishClient(Transaction& tx, const Client& c) {
  CachePublisher(_cache).client(tx, c, _clock.nowMs());
}

void CatalogService::reload(Transaction& tx, const std::vector<std::string>& clientIds,
                            bool catalog) {
  std::vector<Client> found;
  std::vector<std::string> gone;
  for (const auto& id : clientIds) {
    if (auto c = tx.catalog().findClient(id))
      found.push_back(std::move(*c));
    else
      gone.push_back(id);
  }
  std::shared_ptr<const ApiCatalog> compiled;
  uint64_t generation = 0;
  if (catalog) {
    compiled = compile(tx);
    generation = ++_catalogGeneration;
  }
  tx.afterCommit([this, found, gone, compiled, generation] {
    for (const auto& c : found) _cache.upsertClient(c);
    for (const auto& id : gone) _cache.removeClient(id);
    if (compiled) _cache.setCatalog(compiled, generation);
  });
}

void CatalogService::audit(Transaction& tx, const Principal& p, const std::string& action,
                           const std::string& type, const std::string& id,
                           const std::string& tenant) {
  tx.audit().append({_clock.nowMs(), p.actor(), action, type, id, tenant, "{}"});
}

// ---- clients ---------------------------------------------------------------------------------

std::optional<Error> CatalogService::checkClient(const Client& c) const {
  if (auto e = Validation::id("id", c.id)) return e;
  if (auto e = Validation::name("name", c.name, true)) return e;
  if (!c.clientType.empty())
    if (auto e = Validation::token("clientType", c.clientType)) return e;
  if (!c.contactEmail.empty())
    if (auto e = Validation::email("contactEmail", c.contactEmail)) return e;
  return std::nullopt;
}

Result<Client> CatalogService::createClient(const Principal& p, Client c) {
  auto tenant = tenantFor(p, c.tenant);
  if (!tenant) return tenant.error();
  c.tenant = tenant.value();
  if (c.id.empty()) c.id = Ids::make("cli");
  if (c.clientType.empty()) c.clientType = "default";
  if (auto e = checkClient(c)) return *e;
  c.createdAt = c.updatedAt = _clock.nowMs();
  return _store.write([&](Transaction& tx) -> Result<Client> {
    if (tx.catalog().findClient(c.id)) {
      return Error::conflict("DUPLICATE_ID", "client '" + c.id + "' exists already", "id");
    }
    tx.catalog().insertClient(c);
    audit(tx, p, "client.create", "client", c.id, c.tenant);
    publishClient(tx, c);
    return c;
  });
}

Result<Client> CatalogService::getClient(const Principal& p, const std::string& id) {
  std::optional<Client> c;
  _store.read([&](Transaction& tx) { c = tx.catalog().findClient(id); });
  return visible(p, std::move(c), "client", id);
}

Result<std::vector<Client>> CatalogService::listClients(const Principal& p, const std::string& t) {
  if (!t.empty() && !p.seesTenant(t))
    return Error::forbidden("TENANT_FORBIDDEN", "this token may not read tenant '" + t + "'");
  std::vector<Client> out;
  _store.read([&](Transaction& tx) { out = tx.catalog().listClients(t); });
  return onlyVisible(p, std::move(out));
}

Result<Client> CatalogService::updateClient(const Principal& p, const std::string& id,
                                            const Patch<Client>& patch) {
  return _store.write([&](Transaction& tx) -> Result<Client> {
    Client c;
    auto cur = visible(p, tx.catalog().findClient(id), "client", id);
    if (!cur) return cur.error();
    c = cur.value();
    if (auto e = patch(c)) return *e;
    if (auto e = checkClient(c)) return *e;
    c.id = cur.value().id;
    c.tenant = cur.value().tenant;  // an object never moves between tenants
    c.createdAt = cur.value().createdAt;
    c.updatedAt = std::max(_clock.nowMs(), cur.value().updatedAt + 1);
    tx.catalog().updateClient(c);
    audit(tx, p, "client.update", "client", c.id, c.tenant);
    publishClient(tx, c);
    return c;
  });
}

Status CatalogService::deleteClient(const Principal& p, const std::string& id) {
  return _store.write([&](Transaction& tx) -> Status {
    auto cur = visible(p, tx.catalog().findClient(id), "client", id);
    if (!cur) return cur.error();
    KeyFilter f;
    f.clientId = id;
    for (const auto& k : tx.keys().list(f))
      if (k.state != KeyState::Revoked) {
        return Error::conflict("CLIENT_HAS_KEYS", "client '" + id + "' still holds key '" + k.id +
                                                      "'; revoke its keys first");
      }
    tx.catalog().deleteClient(id);
    audit(tx, p, "client.delete", "client", id, cur.value().tenant);
    CachePublisher(_cache).clientRemoved(tx, id, _clock.nowMs());
    return okStatus();
  });
}

// ---- APIs ------------------------------------------------------------------------------------

std::optional<Error> CatalogService::checkApi(const ApiDef& a) const {
  if (auto e = Validation::id("id", a.id)) return e;
  if (auto e = Validation::name("name", a.name, true)) return e;
  if (std::find(std::begin(kMethods), std::end(kMethods), a.method) == std::end(kMethods)) {
    // Methods are case-sensitive (RFC 9110 §9.1): `get` is not `GET` to every upstream, and a
    // value is checked, never altered.
    bool lower =
        std::any_of(a.method.begin(), a.method.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    return Error::badInput("method", std::string(lower ? "methods are case-sensitive: " : "") +
                                         "method must be one of *, GET, POST, PUT, PATCH, "
                                         "DELETE, HEAD, OPTIONS");
  }
  std::string why;
  if (a.path.empty()) return Error::badInput("path", "path is required", "MISSING_FIELD");
  if (!PathPattern::validate(a.path, why)) return Error::badInput("path", "path " + why);
  if (auto e = Validation::scopes("scopes", a.scopes)) return e;
  return std::nullopt;
}

Result<ApiDef> CatalogService::createApi(const Principal& p, ApiDef a) {
  auto tenant = tenantFor(p, a.tenant);
  if (!tenant) return tenant.error();
  a.tenant = tenant.value();
  if (a.id.empty()) a.id = Ids::make("api");
  if (auto e = checkApi(a)) return *e;
  a.createdAt = a.updatedAt = _clock.nowMs();
  return _store.write([&](Transaction& tx) -> Result<ApiDef> {
    if (tx.catalog().findApi(a.id)) {
      return Error::conflict("DUPLICATE_ID", "API '" + a.id + "' exists already", "id");
    }
    tx.catalog().insertApi(a);
    audit(tx, p, "api.create", "api", a.id, a.tenant);
    refreshCatalog(tx);
    return a;
  });
}

Result<ApiDef> CatalogService::getApi(const Principal& p, const std::string& id) {
  std::optional<ApiDef> a;
  _store.read([&](Transaction& tx) { a = tx.catalog().findApi(id); });
  return visible(p, std::move(a), "API", id);
}

Result<std::vector<ApiDef>> CatalogService::listApis(const Principal& p, const std::string& t) {
  if (!t.empty() && !p.seesTenant(t))
    return Error::forbidden("TENANT_FORBIDDEN", "this token may not read tenant '" + t + "'");
  std::vector<ApiDef> out;
  _store.read([&](Transaction& tx) { out = tx.catalog().listApis(t); });
  return onlyVisible(p, std::move(out));
}

Result<ApiDef> CatalogService::updateApi(const Principal& p, const std::string& id,
                                         const Patch<ApiDef>& patch) {
  return _store.write([&](Transaction& tx) -> Result<ApiDef> {
    ApiDef a;
    auto cur = visible(p, tx.catalog().findApi(id), "API", id);
    if (!cur) return cur.error();
    a = cur.value();
    if (auto e = patch(a)) return *e;
    if (auto e = checkApi(a)) return *e;
    a.id = cur.value().id;
    a.tenant = cur.value().tenant;
    a.createdAt = cur.value().createdAt;
    a.updatedAt = _clock.nowMs();
    tx.catalog().updateApi(a);
    audit(tx, p, "api.update", "api", a.id, a.tenant);
    refreshCatalog(tx);
    return a;
  });
}

Status CatalogService::deleteApi(const Principal& p, const std::string& id) {
  return _store.write([&](Transaction& tx) -> Status {
    auto cur = visible(p, tx.catalog().findApi(id), "API", id);
    if (!cur) return cur.error();
    for (const auto& g : tx.catalog().listGroups(cur.value().tenant))
      if (std::count(g.apis.begin(), g.apis.end(), id)) {
        return Error::conflict("API_IN_USE", "API '" + id + "' belongs to group '" + g.id + "'");
      }
    KeyFilter f;
    f.tenant = cur.value().tenant;
    for (const auto& k : tx.keys().list(f))
      if (k.state != KeyState::Revoked && std::count(k.apis.begin(), k.apis.end(), id)) {
        return Error::conflict("API_IN_USE", "API '" + id + "' is granted to key '" + k.id + "'");
      }
    tx.catalog().deleteApi(id);
    audit(tx, p, "api.delete", "api", id, cur.value().tenant);
    refreshCatalog(tx);
    return okStatus();
  });
}

// ---- groups ----------------------------------------------------------------------------------

std::optional<Error> CatalogService::checkGroup(Transaction& tx, const Group& g) const {
  if (auto e = Validation::id("id", g.id)) return e;
  if (auto e = Validation::name("name", g.name, true)) return e;
  for (const auto& apiId : g.apis) {
    auto a = tx.catalog().findApi(apiId);
    if (!a || a->tenant != g.tenant)
      return Error::badInput(
          "apis", "API '" + apiId + "' does not exist in tenant '" + g.tenant + "'", "UNKNOWN_API");
  }
  return std::nullopt;
}

Result<Group> CatalogService::createGroup(const Principal& p, Group g) {
  auto tenant = tenantFor(p, g.tenant);
  if (!tenant) return tenant.error();
  g.tenant = tenant.value();
  if (g.id.empty()) g.id = Ids::make("grp");
  g.createdAt = g.updatedAt = _clock.nowMs();
  return _store.write([&](Transaction& tx) -> Result<Group> {
    if (auto e = checkGroup(tx, g)) return *e;
    if (tx.catalog().findGroup(g.id)) {
      return Error::conflict("DUPLICATE_ID", "group '" + g.id + "' exists already", "id");
    }
    tx.catalog().insertGroup(g);
    audit(tx, p, "group.create", "group", g.id, g.tenant);
    refreshCatalog(tx);
    return g;
  });
}

Result<Group> CatalogService::getGroup(const Principal& p, const std::string& id) {
  std::optional<Group> g;
  _store.read([&](Transaction& tx) { g = tx.catalog().findGroup(id); });
  return visible(p, std::move(g), "group", id);
}

Result<std::vector<Group>> CatalogService::listGroups(const Principal& p, const std::string& t) {
  if (!t.empty() && !p.seesTenant(t))
    return Error::forbidden("TENANT_FORBIDDEN", "this token may not read tenant '" + t + "'");
  std::vector<Group> out;
  _store.read([&](Transaction& tx) { out = tx.catalog().listGroups(t); });
  return onlyVisible(p, std::move(out));
}

Result<Group> CatalogService::updateGroup(const Principal& p, const std::string& id,
                                          const Patch<Group>& patch) {
  return _store.write([&](Transaction& tx) -> Result<Group> {
    Group g;
    auto cur = visible(p, tx.catalog().findGroup(id), "group", id);
    if (!cur) return cur.error();
    g = cur.value();
    if (auto e = patch(g)) return *e;
    g.id = cur.value().id;
    g.tenant = cur.value().tenant;
    g.createdAt = cur.value().createdAt;
    g.updatedAt = _clock.nowMs();
    if (auto e = checkGroup(tx, g)) return *e;
    tx.catalog().updateGroup(g);
    audit(tx, p, "group.update", "group", g.id, g.tenant);
    refreshCatalog(tx);
    return g;
  });
}

Status CatalogService::deleteGroup(const Principal& p, const std::string& id) {
  return _store.write([&](Transaction& tx) -> Status {
    auto cur = visible(p, tx.catalog().findGroup(id), "group", id);
    if (!cur) return cur.error();
    KeyFilter f;
    f.tenant = cur.value().tenant;
    for (const auto& k : tx.keys().list(f))
      if (k.state != KeyState::Revoked && std::count(k.groups.begin(), k.groups.end(), id)) {
        return Error::conflict("GROUP_IN_USE",
                               "group '" + id + "' is granted to key '" + k.id + "'");
      }
    tx.catalog().deleteGroup(id);
    audit(tx, p, "group.delete", "group", id, cur.value().tenant);
    refreshCatalog(tx);
    return okStatus();
  });
}

}  // namespace keywarden::engine
