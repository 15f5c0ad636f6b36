#include "api/JobHandlers.h"

#include "api/Respond.h"
#include "engine/base/Rfc3339.h"

namespace keywarden::api {

namespace {
void writeJob(JsonWriter& w, const engine::Job& j) {
  w.beginObject()
      .field("id", j.id)
      .field("kind", j.kind)
      .field("refId", j.refId)
      .field("dueAt", engine::Rfc3339::format(j.dueAt))  // always a time
      .field("status", j.status)
      .field("attempts", j.attempts)
      .field("lastError", j.lastError)
      .timeField("createdAt", j.createdAt)
      .timeField("doneAt", j.doneAt)
      .endObject();
}
}  // namespace

void JobHandlers::install(Router& r) {
  r.add("GET", "/v1/jobs", [this](Exchange& ex) {
    if (!_auth.require(ex, {engine::Role::Admin})) return;
    if (auto e = ex.queryOnly({"status", "kind"})) return ex.sendError(*e);
    respondList(ex, _log.list(*ex.principal, ex.query("status"), ex.query("kind")), "jobs",
                writeJob);
  });
  // No body, or an empty JSON object.
  r.add("POST", "/v1/jobs/{id}/retry", [this](Exchange& ex) {
    if (!_auth.require(ex, {engine::Role::Admin})) return;
    auto b = ex.json(true);
    if (!b) return;
    b->onlyFields({});
    if (b->error()) return ex.sendError(*b->error());
    respond(ex, _log.retry(*ex.principal, ex.param("id")), 200, writeJob);
  });
}

}  // namespace keywarden::api
