#pragma once

#include "api/Router.h"
#include "engine/ApplicationService.h"
#include "mail/TemplateSet.h"

namespace keywarden::api {

// The pages behind approver links: GET/HEAD /approvals/{token} shows the application and a form
// (never decides: mail scanners fetch links); POST /approvals/{token} with a human-submitted form
// (decision, comment) decides. No JavaScript; nothing auto-submits.
class ApprovalPages {
 public:
  ApprovalPages(engine::ApplicationService& apps, const mail::TemplateSet& templates)
      : _apps(apps), _templates(templates) {}
  void install(Router& router);

 private:
  void show(Exchange& ex);
  void decide(Exchange& ex);
  void page(Exchange& ex, const engine::LinkOutcome& outcome, const std::string& token);

  engine::ApplicationService& _apps;
  const mail::TemplateSet& _templates;
};

}  // namespace keywarden::api
