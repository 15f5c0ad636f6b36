// Console: the audit trail (issue 15) — filtered by key, application, actor and time, newest
// first, a page at a time (keyset paging: "older" continues strictly before the last row); and
// a key's history on its page. Both read engine::AuditReader, which limits a tenant admin to
// its tenant. Audit rows hold no key, token or link (secrets appear only as HMACs), so the
// pages show each row's detail as recorded.
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "api/BodyReader.h"
#include "web/Console.h"
#include "web/FormJson.h"
#include "web/Views.h"

namespace keywarden::web {

bool Console::auditQuery(api::Exchange& ex, engine::AuditQuery& q,
                         std::optional<engine::Error>& error) {
  std::string key = Poco::trim(ex.query("key")), app = Poco::trim(ex.query("application"));
  if (!key.empty() && !app.empty()) {
    error =
        engine::Error::badInput("application", "filter by a key or by an application, not both");
    return false;
  }
  q.objectType = !key.empty() ? "key" : !app.empty() ? "application" : "";
  q.objectId = !key.empty() ? key : app;
  q.actor = Poco::trim(ex.query("actor"));
  // The times as the JSON API reads them: the same rules and messages, naming the field.
  api::JsonWriter j;
  j.beginObject();
  FormJson::time(j, "from", ex.query("from"));
  FormJson::time(j, "to", ex.query("to"));
  j.endObject();
  api::BodyReader b(j.str(), true);
  int64_t from = 0, to = 0;
  b.time("from", from).time("to", to);
  if ((error = b.error())) return false;
  if (from > 0) q.fromMs = from;
  if (to > 0) q.toMs = to;
  // "older" links carry before=<at>-<id>; anything else is ignored (the first page).
  std::string before = ex.query("before");
  size_t dash = before.find('-');
  Poco::Int64 at = 0;
  if (dash != std::string::npos && Poco::NumberParser::tryParse64(before.substr(0, dash), at)) {
    q.beforeAt = at;
    q.beforeId = before.substr(dash + 1);
  }
  q.limit = 50;
  return true;
}

void Console::auditTable(api::JsonWriter& out, const Admin& a,
                         const std::vector<engine::AuditRecord>& rows, const std::string& tableId) {
  int64_t now = Views::now();
  api::JsonWriter w;
  w.beginObject().field("tableId", tableId).beginArray("entries");
  for (const auto& r : rows) {
    const auto& e = r.entry;
    w.beginObject()
        .field("id", r.id)
        .field("actor", e.actor)
        .field("action", e.action)
        .field("objectType", e.objectType)
        .field("objectId", e.objectId)
        .field("isKey", e.objectType == "key")
        .field("isApplication", e.objectType == "application")
        .field("tenant", e.tenant)
        .field("detail", e.detail == "{}" ? std::string() : e.detail);
    when(w, "at", e.at, now);
    w.endObject();
  }
  w.endArray();
  strings(w, a.visit.language, "audit");
  w.endObject();
  out.field("none", rows.empty());
  out.field("table", _s.templates.renderPage("portal/admin/audit-rows", w.str(), a.visit.language));
}

void Console::auditList(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  engine::AuditQuery q;
  std::optional<engine::Error> error;
  api::JsonWriter w;
  w.beginObject();
  std::string filters;
  for (const char* f : {"key", "application", "actor", "from", "to"}) {
    std::string v = Poco::trim(ex.query(f)), encoded;
    w.field(f, v);
    Poco::URI::encode(v, "&=+#?/", encoded);
    filters += (filters.empty() ? "" : "&") + std::string(f) + "=" + encoded;
  }
  w.field("filters", filters);
  int status = 200;
  if (auditQuery(ex, q, error)) {
    auto page = _s.audit.page(a.principal, q);
    if (page) {
      auditTable(w, a, page.value().rows, "audit");
      if (page.value().more) {
        const auto& last = page.value().rows.back();
        w.field("older", std::to_string(last.entry.at) + "-" + last.id);
      }
      w.field("paged", !q.beforeId.empty());
    } else {
      error = page.error();
    }
  }
  if (error) {
    formError(w, *error, {"key", "application", "actor", "from", "to"});
    status = Portal::statusOf(*error);
  }
  render(ex, a, "audit", "audit", w, status);
}

void Console::keyHistory(api::JsonWriter& w, const Admin& a, const engine::Key& k) {
  engine::AuditQuery q;
  q.objectType = "key";
  q.objectId = k.id;
  q.limit = 20;
  auto page = _s.audit.page(a.principal, q);
  w.objectField("history");
  if (page) {
    auditTable(w, a, page.value().rows, "history");
    w.field("more", page.value().more);
  }
  w.endObject();
}

}  // namespace keywarden::web
