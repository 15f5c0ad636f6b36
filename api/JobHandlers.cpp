#include "api/JobHandlers.h"

#include "api/Respond.h"
#include "engine/base/Rfc3339.h"

namespace keywarden::api {

void JobHandlers::install(Router& r) {
  r.add("GET", "/v1/jobs", [this](Exchange& ex) {
    if (!_auth.require(ex, {engine::Role::Admin})) return;
    if (auto e = ex.queryOnly({"status", "kind"})) return ex.sendError(*e);
    respondList(ex, _log.list(*ex.principal, ex.query("status"), ex.query("kind")), "jobs",
                [](JsonWriter& w, const engine::Job& j) {
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
                });
  });
}

}  // namespace keywarden::api
