#include "api/ApprovalPages.h"

#include <Poco/Net/HTMLForm.h>

#include "api/JsonWriter.h"
#include "engine/DisplayText.h"
#include "engine/FlowParser.h"
#include "engine/Rfc3339.h"

namespace keywarden::api {

using engine::LinkOutcome;

namespace {
void applicationFields(JsonWriter& w, const engine::Application& a) {
  w.field("number", a.number)
      .field("kind", engine::appKindName(a.kind))
      .field("state", engine::appStateName(a.state))
      .field("keyName", a.keyName)
      .field("clientId", a.clientId)
      .field("requester", a.requesterEmail)
      .field("description", a.description)
      .field("scopesText", engine::DisplayText::list(a.scopes, "none"))
      .field("apisText", engine::DisplayText::list(a.apis, "none"))
      .field("groupsText", engine::DisplayText::list(a.groups, "none"))
      .field("validFrom", engine::DisplayText::time(a.effectiveAt, "immediately"))
      .field("validUntil", engine::DisplayText::time(a.expiresAt, "no expiry"))
      .field("quota", engine::DisplayText::quota(a.quota))
      .field("level", a.level)
      .field("levelCount", a.levelCount);
  if (a.level > 0) {
    engine::Flow f = engine::FlowParser::parse(a.flowSnapshot, "snapshot");
    if (a.level <= static_cast<int>(f.levels.size()))
      w.field("levelName", f.levels[a.level - 1].name);
  }
  w.beginArray("history");
  for (const auto& d : a.history)
    w.beginObject()
        .field("decision", d.event)
        .field("approver", d.approver)
        .field("comment", d.comment)
        .field("level", d.level)
        .field("at", engine::Rfc3339::format(d.at))
        .endObject();
  w.endArray();
}

void secureHeaders(Poco::Net::HTTPServerResponse& res) {
  res.set("Cache-Control", "no-store");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Security-Policy",
          "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
}
}  // namespace

void ApprovalPages::install(Router& r) {
  r.add("GET", "/approvals/{token}", [this](Exchange& ex) { show(ex); });
  r.add("HEAD", "/approvals/{token}", [this](Exchange& ex) { show(ex); });
  r.add("POST", "/approvals/{token}", [this](Exchange& ex) { decide(ex); });
}

void ApprovalPages::page(Exchange& ex, const LinkOutcome& o, const std::string& token) {
  static const char* names[] = {"approval", "done",    "used",   "expired",
                                "forged",   "decided", "refused"};
  static const int statuses[] = {200, 200, 409, 410, 404, 409, 403};
  JsonWriter w;
  w.beginObject().field("token", token).field("approver", o.approver).field("decision", o.decision);
  w.field("message", o.message)
      .field("approved", o.decision == "approve")
      .field("rejected", o.decision == "reject");
  w.field("returned", o.decision == "return");
  if (o.application && o.kind != LinkOutcome::Forged) applicationFields(w, *o.application);
  w.endObject();
  secureHeaders(ex.response());
  ex.sendText(statuses[o.kind], "text/html; charset=utf-8",
              _templates.renderPage(names[o.kind], w.str()));
}

void ApprovalPages::show(Exchange& ex) {
  const std::string& token = ex.param("token");
  page(ex, _apps.viewLink(token), token);
}

void ApprovalPages::decide(Exchange& ex) {
  const std::string& token = ex.param("token");
  auto& req = ex.request();
  if (req.getContentLength64() > 65536) {
    LinkOutcome o;
    o.kind = LinkOutcome::Refused;
    o.message = "The form is too large.";
    return page(ex, o, token);
  }
  Poco::Net::HTMLForm form;
  form.setFieldLimit(10);
  try {
    form.load(req, req.stream());
  } catch (const Poco::Exception&) {
    LinkOutcome o;
    o.kind = LinkOutcome::Refused;
    o.message = "The form could not be read.";
    return page(ex, o, token);
  }
  std::string comment = form.get("comment", "");
  if (comment.size() > 2000) comment.resize(2000);
  page(ex, _apps.decideByLink(token, form.get("decision", ""), comment), token);
}

}  // namespace keywarden::api
