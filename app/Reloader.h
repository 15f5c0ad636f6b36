#pragma once

#include <string>

#include "engine/flows/FlowCatalog.h"
#include "mail/TemplateSet.h"

namespace keywarden::app {

// Reload without a restart (SIGHUP, `keywarden reload`): reads the flows (workflows.dir/*.json)
// and the templates (templates.dir: mail, pages, strings, every language folder) again, checks
// ALL of them first, and only then swaps both sets in (FlowCatalog::replace,
// TemplateSet::replace: one atomic store each). A broken file leaves the old flows and
// templates serving, and the outcome says which file and why — one log line either way.
//
// What a reload does not touch: applications already routed keep their flow snapshot (only
// applications routed afterwards use a new flow); the check path reads neither flows nor
// templates, so checks never wait for a reload. Mails still in the outbox are rendered with the
// templates current when they are sent.
//
// Thread-safety: reload() may run while requests and mail senders read the sets; two reloads
// are serialised by the caller (the server's signal loop runs them one at a time).
class Reloader {
 public:
  struct Outcome {
    bool ok = false;
    std::string message;  // one line: what was loaded, or "<file>: <problem>"
  };

  Reloader(std::string workflowsDir, std::string templatesDir, std::string defaultLanguage,
           engine::FlowCatalog& flows, mail::TemplateSet& templates);

  Outcome reload();

 private:
  const std::string _workflowsDir, _templatesDir, _defaultLanguage;
  engine::FlowCatalog& _flows;
  mail::TemplateSet& _templates;
};

}  // namespace keywarden::app
