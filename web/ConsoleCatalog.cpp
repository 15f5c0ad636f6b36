// Console: the catalog (issue 15) — clients, APIs and groups: list, search, create, edit,
// disable (clients) and delete, through CatalogService as the JSON API does.
#include <Poco/String.h>

#include <algorithm>

#include "api/BodyReader.h"
#include "engine/text/DisplayText.h"
#include "web/Console.h"
#include "web/FormJson.h"
#include "web/Views.h"

namespace keywarden::web {

namespace {
const std::vector<std::string> kFormFields = {"id",     "name",   "clientType", "contactEmail",
                                              "active", "method", "path",       "scopes",
                                              "apis",   "toggle", "confirm"};
const std::vector<std::string> kErrorFields = {"id",     "name",   "clientType", "contactEmail",
                                               "active", "method", "path",       "scopes",
                                               "apis",   "tenant", "confirm"};

// The form as the JSON body of POST/PATCH /v1/<kind>: every field typed as the API reads it.
std::string bodyOf(const std::string& kind, std::map<std::string, std::string>& form, bool create) {
  api::JsonWriter j;
  j.beginObject();
  if (create) j.field("id", Poco::trim(form["id"]));
  if (!form["toggle"].empty()) {
    j.field("active", form["active"] == "yes");
    return j.endObject().take();
  }
  j.field("name", form["name"]);
  if (kind == "clients") {
    j.field("clientType", Poco::trim(form["clientType"]))
        .field("contactEmail", Poco::trim(form["contactEmail"]))
        .field("active", form["active"] == "yes");
  } else if (kind == "apis") {
    j.field("method", Poco::trim(form["method"])).field("path", Poco::trim(form["path"]));
    FormJson::list(j, "scopes", form["scopes"]);
  } else {
    FormJson::list(j, "apis", form["apis"]);
  }
  return j.endObject().take();
}

void readClient(api::BodyReader& b, engine::Client& c) {
  b.str("name", c.name)
      .str("clientType", c.clientType)
      .str("contactEmail", c.contactEmail)
      .boolean("active", c.active);
}
void readApi(api::BodyReader& b, engine::ApiDef& a) {
  b.str("name", a.name).str("method", a.method).str("path", a.path).scopeList("scopes", a.scopes);
}
void readGroup(api::BodyReader& b, engine::Group& g) {
  b.str("name", g.name).strList("apis", g.apis);
}

void writeClient(api::JsonWriter& w, const engine::Client& c) {
  w.field("id", c.id)
      .field("name", c.name)
      .field("clientType", c.clientType)
      .field("contactEmail", c.contactEmail)
      .field("active", c.active)
      .field("tenant", c.tenant);
}
void writeApi(api::JsonWriter& w, const engine::ApiDef& a) {
  w.field("id", a.id)
      .field("name", a.name)
      .field("method", a.method)
      .field("path", a.path)
      .field("scopes", engine::DisplayText::list(a.scopes, "", " "))
      .field("tenant", a.tenant);
}
void writeGroup(api::JsonWriter& w, const engine::Group& g) {
  w.field("id", g.id).field("name", g.name).field("tenant", g.tenant);
  w.field("apiCount", static_cast<int64_t>(g.apis.size()));
}
bool matches(const std::string& q, std::initializer_list<std::string> texts) {
  if (q.empty()) return true;
  for (const auto& t : texts)
    if (Poco::toLower(t).find(q) != std::string::npos) return true;
  return false;
}
}  // namespace

void Console::catalogListPage(api::Exchange& ex, const Admin& a, const std::string& kind,
                              const std::map<std::string, std::string>& values,
                              const engine::Error* error, int status) {
  auto value = [&](const std::string& k) {
    auto it = values.find(k);
    return it == values.end() ? std::string() : it->second;
  };
  std::string q = Poco::toLower(Poco::trim(ex.query("q")));
  api::JsonWriter w;
  w.beginObject().field("kind", kind).field("is_" + kind, true).field("q", ex.query("q"));
  size_t n = 0;
  w.beginArray("items");
  if (kind == "clients") {
    if (auto list = _s.catalog.listClients(a.principal, a.tenant))
      for (const auto& c : list.value())
        if (matches(q, {c.id, c.name, c.clientType, c.contactEmail}) && n++ < kMaxRows) {
          w.beginObject();
          writeClient(w, c);
          w.endObject();
        }
  } else if (kind == "apis") {
    if (auto list = _s.catalog.listApis(a.principal, a.tenant))
      for (const auto& x : list.value())
        if (matches(q, {x.id, x.name, x.method, x.path,
                        engine::DisplayText::list(x.scopes, "", " ")}) &&
            n++ < kMaxRows) {
          w.beginObject();
          writeApi(w, x);
          w.endObject();
        }
  } else {
    if (auto list = _s.catalog.listGroups(a.principal, a.tenant))
      for (const auto& g : list.value())
        if (matches(q, {g.id, g.name}) && n++ < kMaxRows) {
          w.beginObject();
          writeGroup(w, g);
          w.endObject();
        }
  }
  w.endArray().field("none", n == 0).field("found", static_cast<int64_t>(n));
  // The create form, as typed (after an error) or empty.
  w.objectField("new");
  for (const char* f : {"id", "name", "clientType", "contactEmail", "method", "path", "scopes"})
    w.field(f, value(f));
  w.field("active", values.empty() || value("active") == "yes");
  if (error) formError(w, *error, kErrorFields);
  w.endObject();
  if (kind == "groups") apiChoices(w, a, FormJson::words(value("apis")));
  render(ex, a, kind, "catalog", w, status);
}

void Console::apiChoices(api::JsonWriter& w, const Admin& a,
                         const std::vector<std::string>& checked) {
  w.beginArray("apiChoices");
  if (auto apis = _s.catalog.listApis(a.principal, a.tenant))
    for (const auto& x : apis.value())
      w.beginObject()
          .field("id", x.id)
          .field("name", x.name)
          .field("method", x.method)
          .field("path", x.path)
          .field("checked", std::find(checked.begin(), checked.end(), x.id) != checked.end())
          .endObject();
  w.endArray();
}

void Console::catalogList(api::Exchange& ex, const std::string& kind) {
  Admin a;
  if (!enter(ex, a)) return;
  catalogListPage(ex, a, kind, {}, nullptr, 200);
}

void Console::catalogCreate(api::Exchange& ex, const std::string& kind) {
  Admin a;
  std::map<std::string, std::string> form;
  std::vector<std::string> fields = kFormFields;
  std::replace(fields.begin(), fields.end(), std::string("apis"), std::string("apis*"));
  std::optional<engine::Error> unreadable;  // shown on the form, with what could be read
  if (!enterForm(ex, a, fields, form, &unreadable)) return;
  form.erase("toggle");
  if (unreadable) return catalogListPage(ex, a, kind, form, &*unreadable, 400);
  api::BodyReader b(bodyOf(kind, form, true), false);
  std::optional<engine::Error> error;
  std::string id;
  b.str("id", id);
  if (kind == "clients") {
    engine::Client c;
    c.id = id;
    c.tenant = a.tenant;
    readClient(b, c);
    error = b.error();
    if (!error) {
      auto r = _s.catalog.createClient(a.principal, c);
      if (!r) error = r.error();
    }
  } else if (kind == "apis") {
    engine::ApiDef x;
    x.id = id;
    x.tenant = a.tenant;
    readApi(b, x);
    error = b.error();
    if (!error) {
      auto r = _s.catalog.createApi(a.principal, x);
      if (!r) error = r.error();
    }
  } else {
    engine::Group g;
    g.id = id;
    g.tenant = a.tenant;
    readGroup(b, g);
    error = b.error();
    if (!error) {
      auto r = _s.catalog.createGroup(a.principal, g);
      if (!r) error = r.error();
    }
  }
  if (error) return catalogListPage(ex, a, kind, form, &*error, Portal::statusOf(*error));
  _s.portal.redirect(ex, "/admin/" + kind + "/" + id + "?done=created");
}

void Console::catalogPage(api::Exchange& ex, const Admin& a, const std::string& kind,
                          const std::string& id, const std::map<std::string, std::string>& values,
                          const engine::Error* error, int status) {
  api::JsonWriter w;
  w.beginObject().field("kind", kind).field("is_" + kind, true);
  std::string done = ex.request().getMethod() == "GET" ? ex.query("done") : "";
  w.field("done", done).field("done_" + done, true);
  std::vector<std::string> checked;
  if (kind == "clients") {
    auto c = _s.catalog.getClient(a.principal, id);
    if (!c) return problem(ex, a, 404, "notFound", "client", "/admin/clients");
    writeClient(w, c.value());
  } else if (kind == "apis") {
    auto x = _s.catalog.getApi(a.principal, id);
    if (!x) return problem(ex, a, 404, "notFound", "API", "/admin/apis");
    writeApi(w, x.value());
  } else {
    auto g = _s.catalog.getGroup(a.principal, id);
    if (!g) return problem(ex, a, 404, "notFound", "group", "/admin/groups");
    writeGroup(w, g.value());
    checked = g.value().apis;
  }
  // After an error: the form as typed, over the stored values.
  for (const auto& [k, v] : values)
    if (k == "name" || k == "clientType" || k == "contactEmail" || k == "method" || k == "path" ||
        k == "scopes")
      w.field(k, v);
  if (values.count("apis")) checked = FormJson::words(values.at("apis"));
  if (error) formError(w, *error, kErrorFields);
  if (kind == "groups") apiChoices(w, a, checked);
  render(ex, a, kind, "catalog-item", w, status);
}

void Console::catalogItem(api::Exchange& ex, const std::string& kind) {
  Admin a;
  if (!enter(ex, a)) return;
  catalogPage(ex, a, kind, ex.param("id"), {}, nullptr, 200);
}

void Console::catalogUpdate(api::Exchange& ex, const std::string& kind) {
  Admin a;
  std::map<std::string, std::string> form;
  std::vector<std::string> fields = kFormFields;
  std::replace(fields.begin(), fields.end(), std::string("apis"), std::string("apis*"));
  std::optional<engine::Error> unreadable;
  if (!enterForm(ex, a, fields, form, &unreadable)) return;
  const std::string& id = ex.param("id");
  if (unreadable) return catalogPage(ex, a, kind, id, form, &*unreadable, 400);
  bool toggle = !form["toggle"].empty();
  std::string body = bodyOf(kind, form, false);
  std::optional<engine::Error> error;
  auto apply = [&](auto& obj, auto read) {
    api::BodyReader b(body, false);
    read(b, obj);
    return b.error();
  };
  if (kind == "clients") {
    auto r = _s.catalog.updateClient(a.principal, id, [&](engine::Client& c) {
      if (toggle) {
        api::BodyReader b(body, false);
        b.boolean("active", c.active);
        return b.error();
      }
      return apply(c, readClient);
    });
    if (!r) error = r.error();
  } else if (kind == "apis") {
    auto r =
        _s.catalog.updateApi(a.principal, id, [&](engine::ApiDef& x) { return apply(x, readApi); });
    if (!r) error = r.error();
  } else {
    auto r = _s.catalog.updateGroup(a.principal, id,
                                    [&](engine::Group& g) { return apply(g, readGroup); });
    if (!r) error = r.error();
  }
  if (error && error->kind == engine::ErrorKind::NotFound)
    return problem(ex, a, 404, "notFound", kind, "/admin/" + kind);
  if (error) return catalogPage(ex, a, kind, id, form, &*error, Portal::statusOf(*error));
  std::string done = toggle ? (form["active"] == "yes" ? "enabled" : "disabled") : "saved";
  _s.portal.redirect(ex, "/admin/" + kind + "/" + id + "?done=" + done);
}

void Console::catalogDelete(api::Exchange& ex, const std::string& kind) {
  Admin a;
  std::map<std::string, std::string> form;
  if (!enterForm(ex, a, {"confirm"}, form)) return;
  const std::string& id = ex.param("id");
  if (form["confirm"] != "yes") {
    auto e = engine::Error::badInput("confirm", "tick the box to confirm the deletion");
    return catalogPage(ex, a, kind, id, {}, &e, 400);
  }
  engine::Status s = kind == "clients" ? _s.catalog.deleteClient(a.principal, id)
                     : kind == "apis"  ? _s.catalog.deleteApi(a.principal, id)
                                       : _s.catalog.deleteGroup(a.principal, id);
  if (!s && s.error().kind == engine::ErrorKind::NotFound)
    return problem(ex, a, 404, "notFound", kind, "/admin/" + kind);
  if (!s) return catalogPage(ex, a, kind, id, {}, &s.error(), Portal::statusOf(s.error()));
  _s.portal.redirect(ex, "/admin/" + kind + "?done=deleted");
}

}  // namespace keywarden::web
