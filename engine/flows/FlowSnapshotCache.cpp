#include "engine/flows/FlowSnapshotCache.h"

#include "engine/flows/FlowParser.h"

namespace keywarden::engine {

FlowSnapshotCache::FlowSnapshotCache(size_t capacity) : _capacity(capacity < 1 ? 1 : capacity) {}

Flow FlowSnapshotCache::get(const std::string& json, const std::string& owner) {
  const std::string source = "flow snapshot of " + owner;
  std::shared_ptr<const Flow> found;
  {
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _byText.find(json);
    if (it != _byText.end()) found = it->second;
  }
  if (!found) {
    auto parsed = std::make_shared<const Flow>(FlowParser::parse(json, source));
    std::lock_guard<std::mutex> lock(_mutex);
    ++_parses;
    if (_byText.emplace(json, parsed).second) {
      _order.push_back(json);
      while (_order.size() > _capacity) {
        _byText.erase(_order.front());
        _order.pop_front();
      }
    }
    found = parsed;
  }
  Flow f = *found;
  f.source = source;
  return f;
}

size_t FlowSnapshotCache::size() const {
  std::lock_guard<std::mutex> lock(_mutex);
  return _byText.size();
}

uint64_t FlowSnapshotCache::parses() const {
  std::lock_guard<std::mutex> lock(_mutex);
  return _parses;
}

FlowSnapshotCache& FlowSnapshotCache::shared() {
  static FlowSnapshotCache cache;
  return cache;
}

}  // namespace keywarden::engine
