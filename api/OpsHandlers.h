#pragma once

#include <functional>
#include <string>

#include "api/Metrics.h"
#include "api/Router.h"
#include "engine/check/Verifier.h"
#include "engine/ports/Store.h"

namespace keywarden::api {

// /healthz, /readyz, /metrics, /openapi.json (no token needed).
class OpsHandlers {
 public:
  // `gauges` returns extra Prometheus lines (keys loaded, …) at scrape time.
  OpsHandlers(engine::Store& store, const engine::Verifier& verifier,
              std::function<std::string()> gauges)
      : _store(store), _verifier(verifier), _gauges(std::move(gauges)) {}
  void install(Router& router, const Metrics* const* metrics);

 private:
  engine::Store& _store;
  const engine::Verifier& _verifier;
  std::function<std::string()> _gauges;
};

}  // namespace keywarden::api
