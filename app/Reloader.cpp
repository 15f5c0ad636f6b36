#include "app/Reloader.h"

#include <Poco/Logger.h>

#include <memory>

#include "engine/flows/FlowParser.h"

namespace keywarden::app {

Reloader::Reloader(std::string workflowsDir, std::string templatesDir, std::string defaultLanguage,
                   engine::FlowCatalog& flows, mail::TemplateSet& templates)
    : _workflowsDir(std::move(workflowsDir)),
      _templatesDir(std::move(templatesDir)),
      _defaultLanguage(std::move(defaultLanguage)),
      _flows(flows),
      _templates(templates) {}

Reloader::Outcome Reloader::reload() {
  auto& log = Poco::Logger::get("keywarden.reload");
  Outcome out;
  // Everything is read and checked before anything is swapped.
  std::unique_ptr<engine::FlowCatalog> flows;
  std::unique_ptr<mail::TemplateSet> templates;
  try {
    flows = std::make_unique<engine::FlowCatalog>(engine::FlowCatalog::loadDir(_workflowsDir));
    templates = std::make_unique<mail::TemplateSet>(_templatesDir);
    if (templates->language(_defaultLanguage).empty())
      throw mail::TemplateError(_templatesDir + "/lang/" + _defaultLanguage +
                                ": missing (mail.defaultLanguage names it)");
  } catch (const std::exception& e) {
    out.message = e.what();
    log.error("reload refused, the previous flows and templates keep serving: %s", out.message);
    return out;
  }
  _flows.replace(*flows);
  _templates.replace(*templates);
  auto loaded = flows->flows();
  std::string ids;
  for (const auto& f : *loaded) ids += (ids.empty() ? "" : ", ") + f.id + " " + f.version;
  std::string langs;
  for (const auto& l : templates->languages()) langs += (langs.empty() ? "" : ", ") + l;
  out.ok = true;
  out.message = "reloaded " + std::to_string(loaded->size()) + " flow(s) (" + ids +
                ") and the templates (" + langs + ")";
  log.notice("%s", out.message);
  return out;
}

}  // namespace keywarden::app
