#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "engine/flows/Flow.h"

namespace keywarden::engine {

// Parsed flow snapshots, keyed by their exact JSON text: every application routed to one flow
// version keeps the same snapshot text, and each decision, mail and page reads it again
// (FlowParser::snapshot) — 13 % of the approvals path's request-thread CPU under perf. A text is
// parsed once while it stays here; a text that fails to parse is not kept (it throws each time).
// Holds at most `capacity` texts; the oldest one goes first. Thread-safe: one mutex, held only
// for the look-up and the insert, never while parsing.
class FlowSnapshotCache {
 public:
  static constexpr size_t kDefaultCapacity = 64;
  explicit FlowSnapshotCache(size_t capacity = kDefaultCapacity);

  // The flow `json` holds, with source "flow snapshot of <owner>". Throws FlowError naming
  // `owner` when the text is damaged (as FlowParser::snapshot).
  Flow get(const std::string& json, const std::string& owner);

  size_t size() const;
  // Texts parsed so far (hits do not count): figures for tests.
  uint64_t parses() const;

  // The one FlowParser::snapshot uses: a memo of a pure function, so sharing it across the
  // process changes no behaviour.
  static FlowSnapshotCache& shared();

 private:
  const size_t _capacity;
  mutable std::mutex _mutex;
  std::unordered_map<std::string, std::shared_ptr<const Flow>> _byText;  // guarded by _mutex
  std::deque<std::string> _order;  // insertion order, oldest first; guarded by _mutex
  uint64_t _parses = 0;            // guarded by _mutex
};

}  // namespace keywarden::engine
