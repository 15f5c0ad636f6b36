#include "api/ApprovalPages.h"

#include <Poco/Logger.h>

#include <map>

#include "api/FormBody.h"

#include "api/JsonWriter.h"
#include "api/LogRedactor.h"
#include "api/PageSecurity.h"
#include "engine/base/Rfc3339.h"
#include "engine/flows/FlowParser.h"
#include "engine/text/DisplayText.h"

namespace keywarden::api {

using engine::LinkOutcome;

namespace {
void applicationFields(JsonWriter& w, const engine::Application& a) {
  w.field("id", a.id)
      .field("number", a.number)
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
      .field("limitsText", a.kind == engine::AppKind::Modify ? a.changes.limitsText() : "")
      .field("level", a.level)
      .field("levelCount", a.levelCount)
      .field("atLevel", a.level > 0);
  engine::Flow f = engine::FlowParser::snapshot(a.flowSnapshot, a.number);
  auto levelName = [&](int level) {
    return level >= 1 && level <= static_cast<int>(f.levels.size()) ? f.levels[level - 1].name
                                                                    : std::string();
  };
  if (a.level > 0) w.field("levelName", levelName(a.level));
  // Each entry says who did what, at which level and when ("already decided" names them).
  w.beginArray("history");
  for (const auto& d : a.history)
    w.beginObject()
        .field("decision", d.event)
        .field("what", engine::DisplayText::decision(d.event))
        .field("approver", d.approver)
        .field("who", engine::DisplayText::who(d.approver))
        .field("comment", d.comment)
        .field("level", d.level)
        .field("levelText", d.level > 0
                                ? levelName(d.level) + " (level " + std::to_string(d.level) +
                                      " of " + std::to_string(f.levels.size()) + ")"
                                : std::string())
        .field("at", engine::Rfc3339::format(d.at))
        .endObject();
  w.endArray();
}

// An error message as a sentence on a page: capital first, full stop last.
std::string sentence(std::string m) {
  if (!m.empty() && m[0] >= 'a' && m[0] <= 'z') m[0] = static_cast<char>(m[0] - 'a' + 'A');
  if (!m.empty() && m.back() != '.') m.push_back('.');
  return m;
}

}  // namespace

void ApprovalPages::install(Router& r) {
  r.add("GET", "/approvals/{token}", [this](Exchange& ex) { show(ex); });
  r.add("HEAD", "/approvals/{token}", [this](Exchange& ex) { show(ex); });
  r.add("POST", "/approvals/{token}", [this](Exchange& ex) { decide(ex); });
}

void ApprovalPages::page(Exchange& ex, const LinkOutcome& o, const std::string& token, int status,
                         const std::string& draft) {
  // Invalid re-shows the form (the link still works) with what to fix next to the field.
  static const char* names[] = {"approval", "done",    "used",    "expired",
                                "forged",   "decided", "refused", "approval"};
  static const int statuses[] = {200, 200, 409, 410, 404, 409, 403, 400};
  JsonWriter w;
  w.beginObject().field("token", token).field("approver", o.approver).field("decision", o.decision);
  w.field("message", o.message)
      .field("approved", o.decision == "approve")
      .field("rejected", o.decision == "reject");
  w.field("returned", o.decision == "return");
  if (o.kind == LinkOutcome::Invalid) {
    std::string say = sentence(o.message);
    w.field("formError", o.field != "decision" && o.field != "comment" ? say : "")
        .field("decisionError", o.field == "decision" ? say : "")
        .field("commentError", o.field == "comment" ? say : "");
    // What was typed comes back, unless it is not text we can show.
    bool showable = !engine::ApplicationService::checkText("comment", draft, draft.size());
    w.field("draft", showable ? draft : "");
  }
  if (o.application && o.kind != LinkOutcome::Forged) applicationFields(w, *o.application);
  w.endObject();
  PageSecurity::set(ex.response());
  if (status == 0) status = statuses[o.kind];
  std::string html;
  try {
    html = _render(names[o.kind], w.str(), o.kind == LinkOutcome::Forged ? "" : o.approver,
                   ex.request().get("Accept-Language", ""));
  } catch (const std::exception& e) {
    // After a decision was recorded, a page that cannot be drawn must not read as a failure.
    Poco::Logger::get("keywarden.http")
        .error("approval page '%s' could not be rendered: %s", std::string(names[o.kind]),
               LogRedactor::text(e.what(), {token}));
    html = std::string(
               "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<title>Keywarden</title></head><body><p>") +
           (o.kind == LinkOutcome::Done ? "Your decision was recorded."
                                        : "This page could not be shown; nothing was recorded.") +
           "</p></body></html>";
  }
  ex.sendText(status, "text/html; charset=utf-8", html);
}

bool ApprovalPages::source(Exchange& ex, engine::AttemptKey& out) const {
  if (!_guard) return false;
  auto fields = HeaderFields::of(ex.request());
  return _source.of(IpAddress::of(ex.request().clientAddress().addr()),
                    HeaderFields(fields.data(), fields.size()), out);
}

void ApprovalPages::sendBlocked(Exchange& ex, int64_t retryAfterMs) {
  int64_t seconds = std::max<int64_t>(1, (retryAfterMs + 999) / 1000);
  int64_t minutes = (seconds + 59) / 60;
  ex.response().set("Retry-After", std::to_string(seconds));
  PageSecurity::set(ex.response());
  ex.sendText(
      429, "text/html; charset=utf-8",
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"robots\" content=\"noindex\"><title>Too many failed attempts — Keywarden"
      "</title><link rel=\"stylesheet\" href=\"/static/keywarden.css\"></head><body>"
      "<h1>Too many failed attempts</h1><p>Too many requests from your address failed (links "
      "Keywarden did not issue, or too many sign-in links asked for), so they are not looked at "
      "for a while. Nothing was recorded. Try again in " +
          std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes") +
          ", with the link exactly as it came in the mail.</p></body></html>");
}

bool ApprovalPages::blocked(Exchange& ex, const engine::AttemptKey* src) {
  if (!_guard || !src) return false;
  int64_t now = _guard->clock().nowMs();
  int64_t until = _guard->linkBlocked(*src, now);
  if (until == 0) return false;
  sendBlocked(ex, until - now);
  return true;
}

void ApprovalPages::countForged(const engine::AttemptKey* src, const LinkOutcome& o) {
  if (_guard && src && o.kind == LinkOutcome::Forged)
    _guard->linkFailed(*src, _guard->clock().nowMs());
}

void ApprovalPages::show(Exchange& ex) {
  const std::string& token = ex.param("token");
  engine::AttemptKey key;
  const engine::AttemptKey* src = source(ex, key) ? &key : nullptr;
  if (blocked(ex, src)) return;
  LinkOutcome o = _apps.viewLink(token);
  countForged(src, o);
  page(ex, o, token);
}

void ApprovalPages::decide(Exchange& ex) {
  const std::string& token = ex.param("token");
  engine::AttemptKey key;
  const engine::AttemptKey* src = source(ex, key) ? &key : nullptr;
  if (blocked(ex, src)) return;
  std::map<std::string, std::string> form;
  if (auto problem = FormBody::read(ex.request(), kMaxFormBytes, {"decision", "comment"}, form)) {
    if (problem->status == 413) ex.response().setKeepAlive(false);
    LinkOutcome o = _apps.viewLink(token);  // a used, expired or forged link says so first
    countForged(src, o);
    if (o.kind != LinkOutcome::Show) return page(ex, o, token);
    o.kind = LinkOutcome::Invalid;
    o.field = problem->field;
    o.message = problem->message;
    return page(ex, o, token, problem->status);
  }
  // Browsers send a textarea's line breaks as CRLF (HTML §4.10.21.8); the comment keeps LF, as
  // it was typed, and is counted so — a comment the textarea accepted is never "too long".
  std::string comment;
  for (char c : form["comment"])
    if (c != '\r') comment.push_back(c);
  LinkOutcome o = _apps.decideByLink(token, form["decision"], comment);
  countForged(src, o);
  page(ex, o, token, 0, comment);
}

}  // namespace keywarden::api
