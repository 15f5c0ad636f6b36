#include "api/ApprovalPages.h"

#include <Poco/JSON/Stringifier.h>
#include <Poco/Logger.h>

#include <map>
#include <sstream>

#include "api/FormBody.h"

#include "api/JsonWriter.h"
#include "api/LogRedactor.h"
#include "api/PageSecurity.h"
#include "engine/text/Phrase.h"

namespace keywarden::api {

using engine::LinkOutcome;

namespace {
// The application's fields (engine/notices/ApplicationView, the same the mails render) into
// the open object.
void applicationFields(JsonWriter& w, const Poco::JSON::Object& view) {
  for (const auto& [name, value] : view) {
    std::ostringstream json;
    Poco::JSON::Stringifier::condense(value, json);
    w.rawField(name, json.str());
  }
}

// An engine error as a sentence on the page, in the reader's language: error.code.<code> of
// templates/strings.json with the field's name, else the English message with a capital first
// (message.engineError puts the full stop).
std::string sentence(const LinkOutcome& o) {
  std::string m = o.message;
  if (!m.empty() && m[0] >= 'a' && m[0] <= 'z') m[0] = static_cast<char>(m[0] - 'a' + 'A');
  while (!m.empty() && m.back() == '.') m.pop_back();
  Poco::JSON::Object::Ptr p = engine::Phrase::text(
      "message.engineError", {{"message", engine::Phrase::error(o.code, o.field, m)}});
  std::ostringstream json;
  Poco::JSON::Stringifier::condense(p, json);
  return json.str();
}

// Browsers send a textarea's line breaks as CRLF (HTML §4.10.21.8); the comment keeps LF, as
// it was typed, and is counted so — a comment the textarea accepted is never "too long".
std::string typedComment(const std::string& sent) {
  std::string comment;
  for (char c : sent)
    if (c != '\r') comment.push_back(c);
  return comment;
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
  w.rawField("message", o.message.empty() ? "\"\"" : sentence(o))
      .field("approved", o.decision == "approve")
      .field("rejected", o.decision == "reject");
  w.field("returned", o.decision == "return");
  if (o.kind == LinkOutcome::Invalid) {
    std::string say = sentence(o);
    w.rawField("formError", o.field != "decision" && o.field != "comment" ? say : "\"\"")
        .rawField("decisionError", o.field == "decision" ? say : "\"\"")
        .rawField("commentError", o.field == "comment" ? say : "\"\"");
    // What was typed comes back, unless it is not text we can show.
    bool showable = !engine::ApplicationService::checkText("comment", draft, draft.size());
    w.field("draft", showable ? draft : "");
  }
  if (o.view && o.kind != LinkOutcome::Forged) applicationFields(w, *o.view);
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

void ApprovalPages::sendBlocked(Exchange& ex, int64_t retryAfterMs, const RenderPage& render) {
  int64_t seconds = std::max<int64_t>(1, (retryAfterMs + 999) / 1000);
  int64_t minutes = (seconds + 59) / 60;
  ex.response().set("Retry-After", std::to_string(seconds));
  PageSecurity::set(ex.response());
  // In the browser's language (templates/pages/blocked): the wait in whole minutes.
  std::ostringstream json;
  Poco::JSON::Object::Ptr ctx = new Poco::JSON::Object;
  ctx->set("wait", engine::Phrase::duration(minutes * 60000));
  Poco::JSON::Stringifier::condense(ctx, json);
  std::string html;
  try {
    if (!render) throw std::runtime_error("no page renderer");
    html = render("blocked", json.str(), "", ex.request().get("Accept-Language", ""));
  } catch (const std::exception& e) {
    Poco::Logger::get("keywarden.http")
        .error("page 'blocked' could not be rendered: %s", std::string(e.what()));
    html =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Keywarden"
        "</title></head><body><p>Too many failed attempts; nothing was recorded.</p></body>"
        "</html>";
  }
  ex.sendText(429, "text/html; charset=utf-8", html);
}

bool ApprovalPages::blocked(Exchange& ex, const engine::AttemptKey* src) {
  if (!_guard || !src) return false;
  int64_t now = _guard->clock().nowMs();
  int64_t until = _guard->linkBlocked(*src, now);
  if (until == 0) return false;
  sendBlocked(ex, until - now, _render);
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
    // The comment typed comes back unless it is what is wrong.
    return page(ex, o, token, problem->status,
                problem->field == "comment" ? "" : typedComment(form["comment"]));
  }
  std::string comment = typedComment(form["comment"]);
  LinkOutcome o = _apps.decideByLink(token, form["decision"], comment);
  countForged(src, o);
  page(ex, o, token, 0, comment);
}

}  // namespace keywarden::api
