#include "api/CatalogHandlers.h"

#include "api/Respond.h"
#include "api/Serialize.h"

namespace keywarden::api {

using engine::ApiDef;
using engine::Client;
using engine::Group;

void CatalogHandlers::install(Router& r) {
  auto noContent = [](Exchange& ex, const engine::Status& s) {
    if (!s) return ex.sendError(s.error());
    ex.sendEmpty(204);
  };
  r.add("POST", "/v1/clients", [this](Exchange& ex) { createClient(ex); });
  r.add("GET", "/v1/clients", [this](Exchange& ex) {
    if (!admin(ex)) return;
    if (auto e = ex.queryOnly({"tenant"})) return ex.sendError(*e);
    respondList(ex, _catalog.listClients(*ex.principal, ex.query("tenant")), "clients",
                Serialize::client);
  });
  r.add("GET", "/v1/clients/{id}", [this](Exchange& ex) {
    if (admin(ex))
      respond(ex, _catalog.getClient(*ex.principal, ex.param("id")), 200, Serialize::client);
  });
  r.add("PATCH", "/v1/clients/{id}", [this](Exchange& ex) { patchClient(ex); });
  r.add("DELETE", "/v1/clients/{id}", [this, noContent](Exchange& ex) {
    if (admin(ex)) noContent(ex, _catalog.deleteClient(*ex.principal, ex.param("id")));
  });

  r.add("POST", "/v1/apis", [this](Exchange& ex) { createApi(ex); });
  r.add("GET", "/v1/apis", [this](Exchange& ex) {
    if (!admin(ex)) return;
    if (auto e = ex.queryOnly({"tenant"})) return ex.sendError(*e);
    respondList(ex, _catalog.listApis(*ex.principal, ex.query("tenant")), "apis", Serialize::api);
  });
  r.add("GET", "/v1/apis/{id}", [this](Exchange& ex) {
    if (admin(ex)) respond(ex, _catalog.getApi(*ex.principal, ex.param("id")), 200, Serialize::api);
  });
  r.add("PATCH", "/v1/apis/{id}", [this](Exchange& ex) { patchApi(ex); });
  r.add("DELETE", "/v1/apis/{id}", [this, noContent](Exchange& ex) {
    if (admin(ex)) noContent(ex, _catalog.deleteApi(*ex.principal, ex.param("id")));
  });

  r.add("POST", "/v1/groups", [this](Exchange& ex) { createGroup(ex); });
  r.add("GET", "/v1/groups", [this](Exchange& ex) {
    if (!admin(ex)) return;
    if (auto e = ex.queryOnly({"tenant"})) return ex.sendError(*e);
    respondList(ex, _catalog.listGroups(*ex.principal, ex.query("tenant")), "groups",
                Serialize::group);
  });
  r.add("GET", "/v1/groups/{id}", [this](Exchange& ex) {
    if (admin(ex))
      respond(ex, _catalog.getGroup(*ex.principal, ex.param("id")), 200, Serialize::group);
  });
  r.add("PATCH", "/v1/groups/{id}", [this](Exchange& ex) { patchGroup(ex); });
  r.add("DELETE", "/v1/groups/{id}", [this, noContent](Exchange& ex) {
    if (admin(ex)) noContent(ex, _catalog.deleteGroup(*ex.principal, ex.param("id")));
  });
}

namespace {
void readClient(BodyReader& b, Client& c) {
  b.str("name", c.name)
      .str("clientType", c.clientType)
      .str("contactEmail", c.contactEmail)
      .boolean("active", c.active);
}
void readApi(BodyReader& b, ApiDef& a) {
  b.str("name", a.name).str("method", a.method).str("path", a.path).scopeList("scopes", a.scopes);
}
void readGroup(BodyReader& b, Group& g) {
  b.str("name", g.name).strList("apis", g.apis);
}
}  // namespace

void CatalogHandlers::createClient(Exchange& ex) {
  if (!admin(ex)) return;
  auto b = ex.json(false);
  if (!b) return;
  Client c;
  c.tenant.clear();
  b->onlyFields({"id", "name", "clientType", "contactEmail", "tenant", "active"})
      .str("id", c.id)
      .str("tenant", c.tenant);
  readClient(*b, c);
  if (b->error()) return ex.sendError(*b->error());
  respond(ex, _catalog.createClient(*ex.principal, c), 201, Serialize::client);
}

void CatalogHandlers::patchClient(Exchange& ex) {
  if (!admin(ex)) return;
  auto b = ex.json(false);
  if (!b) return;
  if (b->onlyFields({"name", "clientType", "contactEmail", "active"}).error())
    return ex.sendError(*b->error());
  BodyReader& body = *b;
  respond(ex,
          _catalog.updateClient(*ex.principal, ex.param("id"),
                                [&body](Client& c) {
                                  readClient(body, c);
                                  return body.error();
                                }),
          200, Serialize::client);
}

void CatalogHandlers::createApi(Exchange& ex) {
  if (!admin(ex)) return;
  auto b = ex.json(false);
  if (!b) return;
  ApiDef a;
  a.tenant.clear();
  b->onlyFields({"id", "name", "method", "path", "scopes", "tenant"})
      .str("id", a.id)
      .str("tenant", a.tenant);
  readApi(*b, a);
  if (b->error()) return ex.sendError(*b->error());
  respond(ex, _catalog.createApi(*ex.principal, a), 201, Serialize::api);
}

void CatalogHandlers::patchApi(Exchange& ex) {
  if (!admin(ex)) return;
  auto b = ex.json(false);
  if (!b) return;
  if (b->onlyFields({"name", "method", "path", "scopes"}).error()) return ex.sendError(*b->error());
  BodyReader& body = *b;
  respond(ex,
          _catalog.updateApi(*ex.principal, ex.param("id"),
                             [&body](ApiDef& a) {
                               readApi(body, a);
                               return body.error();
                             }),
          200, Serialize::api);
}

void CatalogHandlers::createGroup(Exchange& ex) {
  if (!admin(ex)) return;
  auto b = ex.json(false);
  if (!b) return;
  Group g;
  g.tenant.clear();
  b->onlyFields({"id", "name", "apis", "tenant"}).str("id", g.id).str("tenant", g.tenant);
  readGroup(*b, g);
  if (b->error()) return ex.sendError(*b->error());
  respond(ex, _catalog.createGroup(*ex.principal, g), 201, Serialize::group);
}

void CatalogHandlers::patchGroup(Exchange& ex) {
  if (!admin(ex)) return;
  auto b = ex.json(false);
  if (!b) return;
  if (b->onlyFields({"name", "apis"}).error()) return ex.sendError(*b->error());
  BodyReader& body = *b;
  respond(ex,
          _catalog.updateGroup(*ex.principal, ex.param("id"),
                               [&body](Group& g) {
                                 readGroup(body, g);
                                 return body.error();
                               }),
          200, Serialize::group);
}

}  // namespace keywarden::api
