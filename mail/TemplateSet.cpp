#include "mail/TemplateSet.h"

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <kainjow/mustache.hpp>

#include <fstream>
#include <sstream>

namespace keywarden::mail {

namespace {
using Data = kainjow::mustache::data;

Data toData(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return Data(false);
  if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto o = v.extract<Poco::JSON::Object::Ptr>();
    Data d;
    for (const auto& [k, child] : *o) d.set(k, toData(child));
    return d;
  }
  if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
    auto a = v.extract<Poco::JSON::Array::Ptr>();
    Data list(Data::type::list);
    for (size_t i = 0; i < a->size(); ++i) list.push_back(toData(a->get(static_cast<unsigned>(i))));
    return list;
  }
  if (v.isBoolean()) return Data(v.extract<bool>());
  std::string text = v.convert<std::string>();
  // An empty text is false, as in the mustache spec's own implementations (kainjow would take
  // "" as true): {{#comment}}…{{/comment}} shows nothing for no comment, {{x}} renders "".
  if (text.empty()) return Data(false);
  return Data(text);
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

const std::vector<std::string>& TemplateSet::mailEvents() {
  static const std::vector<std::string> kEvents = {"approval-requested",
                                                   "escalated",
                                                   "key-issued",
                                                   "application-approved",
                                                   "rejected",
                                                   "returned",
                                                   "withdrawn",
                                                   "expiring-soon",
                                                   "expired",
                                                   "revoked",
                                                   "rotated",
                                                   "approver-digest",
                                                   "level-completed",
                                                   "application-progress",
                                                   "signin"};
  return kEvents;
}

const std::vector<std::string>& TemplateSet::pages() {
  static const std::vector<std::string> kPages = {
      "approval", "done", "used", "expired", "forged", "decided", "refused",
      // The web portal (web/Portal): one layout and the pages inside it.
      "portal/layout", "portal/home", "portal/signin", "portal/signin-sent", "portal/signin-link",
      "portal/message", "portal/inbox", "portal/confirm", "portal/apply", "portal/applications",
      "portal/application", "portal/keys", "portal/key",
      // The admin console (web/Console): its frame, titles and pages.
      "portal/admin/frame", "portal/admin/titles", "portal/admin/denied", "portal/admin/problem",
      "portal/admin/overview", "portal/admin/keys", "portal/admin/key", "portal/admin/key-new",
      "portal/admin/key-issued", "portal/admin/confirm", "portal/admin/catalog",
      "portal/admin/catalog-item", "portal/admin/mail", "portal/admin/tokens",
      "portal/admin/token-created", "portal/admin/applications", "portal/admin/application",
      "portal/admin/flows"};
  return kPages;
}

TemplateSet::TemplateSet(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> wanted;  // name, file
  for (const auto& e : mailEvents())
    for (const char* part : {"subject", "txt", "html"})
      wanted.emplace_back("mail/" + e + "." + part, dir + "/mail/" + e + "." + part + ".mustache");
  for (const auto& p : pages())
    wanted.emplace_back("pages/" + p, dir + "/pages/" + p + ".mustache");
  for (const auto& [name, file] : wanted) {
    if (!Poco::File(file).exists()) throw TemplateError(file + ": missing");
    std::string text = readAll(file);
    kainjow::mustache::mustache parsed(text);
    if (!parsed.is_valid()) throw TemplateError(file + ": " + parsed.error_message());
    _sources[name] = std::move(text);
  }
}

std::string TemplateSet::render(const std::string& name, const std::string& contextJson,
                                const std::string& secret, bool html) const {
  Poco::JSON::Parser parser;
  Data data = toData(parser.parse(contextJson));
  if (!secret.empty()) data.set("key", secret);
  kainjow::mustache::mustache t(_sources.at(name));
  if (!html) t.set_custom_escape([](const std::string& s) { return s; });
  return t.render(data);
}

RenderedMail TemplateSet::renderMail(const std::string& event, const std::string& contextJson,
                                     const std::string& secret) const {
  RenderedMail m;
  m.subject = render("mail/" + event + ".subject", contextJson, secret, false);
  for (char& c : m.subject)
    if (c == '\r' || c == '\n') c = ' ';
  while (!m.subject.empty() && m.subject.back() == ' ') m.subject.pop_back();
  m.text = render("mail/" + event + ".txt", contextJson, secret, false);
  m.html = render("mail/" + event + ".html", contextJson, secret, true);
  return m;
}

std::string TemplateSet::renderPage(const std::string& page, const std::string& contextJson) const {
  return render("pages/" + page, contextJson, "", true);
}

}  // namespace keywarden::mail
