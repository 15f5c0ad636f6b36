#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/flows/Flow.h"

namespace keywarden::engine {

// The approval flows (workflows/*.json), highest priority first.
//
// Reloadable: the set is one immutable snapshot held by a shared_ptr, replaced as a whole by
// replace() (SIGHUP / `keywarden reload`, app/Reloader). Thread-safety: every method may be
// called from any thread at any time. A reader takes a snapshot (flows(), route()) and keeps
// using it safely even if a reload replaces the set meanwhile; it never sees half of one set and
// half of the other. Routing an application therefore uses exactly one set, and the application
// keeps a copy of its flow (Application::flowSnapshot), so a reload changes only applications
// routed afterwards.
class FlowCatalog {
 public:
  using Snapshot = std::shared_ptr<const std::vector<Flow>>;

  FlowCatalog();
  explicit FlowCatalog(std::vector<Flow> flows);
  FlowCatalog(const FlowCatalog& other);
  FlowCatalog& operator=(const FlowCatalog& other);

  // Loads every *.json in `dir`. Throws FlowError (file, place, reason) on the first problem,
  // including two files with one id. A missing directory is an error too.
  static FlowCatalog loadDir(const std::string& dir);

  // The flow with the highest priority whose match fits (ties: lower id), or nullptr. The
  // pointer keeps its snapshot alive.
  std::shared_ptr<const Flow> route(const RoutingFacts& facts) const;
  // The current set (an atomic load).
  Snapshot flows() const;
  // Replaces the whole set by `fresh`'s in one atomic store; readers holding the old snapshot
  // finish with it.
  void replace(const FlowCatalog& fresh);

 private:
  Snapshot _flows;  // read and written only with std::atomic_load / std::atomic_store
};

}  // namespace keywarden::engine
