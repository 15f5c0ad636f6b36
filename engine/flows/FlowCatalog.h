#pragma once

#include <string>
#include <vector>

#include "engine/flows/Flow.h"

namespace keywarden::engine {

// The approval flows loaded at start-up, highest priority first. Immutable; thread-safe.
class FlowCatalog {
 public:
  FlowCatalog() = default;
  explicit FlowCatalog(std::vector<Flow> flows);

  // Loads every *.json in `dir`. Throws FlowError (file, place, reason) on the first problem,
  // including two files with one id. A missing directory is an error too.
  static FlowCatalog loadDir(const std::string& dir);

  // The flow with the highest priority whose match fits (ties: lower id), or nullptr.
  const Flow* route(const RoutingFacts& facts) const;
  const std::vector<Flow>& flows() const { return _flows; }

 private:
  std::vector<Flow> _flows;
};

}  // namespace keywarden::engine
