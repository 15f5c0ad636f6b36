#include "engine/flows/FlowCatalog.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/flows/FlowParser.h"

namespace keywarden::engine {

FlowCatalog::FlowCatalog() : _flows(std::make_shared<const std::vector<Flow>>()) {}

FlowCatalog::FlowCatalog(std::vector<Flow> flows) {
  std::stable_sort(flows.begin(), flows.end(), [](const Flow& a, const Flow& b) {
    return a.priority != b.priority ? a.priority > b.priority : a.id < b.id;
  });
  _flows = std::make_shared<const std::vector<Flow>>(std::move(flows));
}

FlowCatalog::FlowCatalog(const FlowCatalog& other) : _flows(other.flows()) {}

FlowCatalog& FlowCatalog::operator=(const FlowCatalog& other) {
  replace(other);
  return *this;
}

FlowCatalog::Snapshot FlowCatalog::flows() const {
  return std::atomic_load(&_flows);
}

void FlowCatalog::replace(const FlowCatalog& fresh) {
  std::atomic_store(&_flows, fresh.flows());
}

FlowCatalog FlowCatalog::loadDir(const std::string& dir) {
  Poco::File d(dir);
  if (!d.exists() || !d.isDirectory()) throw FlowError(dir + ": workflows.dir is not a directory");
  std::vector<std::string> files;
  for (Poco::DirectoryIterator it(dir), end; it != end; ++it)
    if (it->isFile() && Poco::Path(it->path()).getExtension() == "json")
      files.push_back(it->path());
  std::sort(files.begin(), files.end());
  std::vector<Flow> flows;
  std::map<std::string, std::string> seen;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) throw FlowError(file + ": cannot be read");
    Flow f = FlowParser::parse(text.str(), file);
    auto [it, fresh] = seen.emplace(f.id, file);
    if (!fresh) throw FlowError(file + ": id: '" + f.id + "' is already the id of " + it->second);
    flows.push_back(std::move(f));
  }
  return FlowCatalog(std::move(flows));
}

std::shared_ptr<const Flow> FlowCatalog::route(const RoutingFacts& facts) const {
  Snapshot all = flows();
  for (const auto& f : *all)
    if (flowMatches(f, facts)) return std::shared_ptr<const Flow>(all, &f);  // shares `all`
  return nullptr;
}

}  // namespace keywarden::engine
