#include "api/OpsHandlers.h"

#include <cstring>

#include "api/OpenApiDocument.h"

namespace keywarden::api {

void OpsHandlers::install(Router& r, const Metrics* const* metrics) {
  r.add("GET", "/healthz", [](Exchange& ex) { ex.sendJson(200, "{\"status\":\"ok\"}"); });
  r.add("GET", "/readyz", [this](Exchange& ex) {
    if (_store.ping())
      ex.sendJson(200, "{\"status\":\"ready\"}");
    else
      ex.sendJson(503, "{\"status\":\"unavailable\"}");
  });
  r.add("GET", "/metrics", [this, metrics](Exchange& ex) {
    ex.sendText(200, "text/plain; version=0.0.4",
                (*metrics)->render(_verifier, _gauges ? _gauges() : ""));
  });
  r.add("GET", "/openapi.json", [](Exchange& ex) {
    const char* doc = openApiDocument();
    ex.sendJson(200, std::string(doc, std::strlen(doc)));
  });
}

}  // namespace keywarden::api
