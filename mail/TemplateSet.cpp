#include "mail/TemplateSet.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>
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
      "approval", "done", "used", "expired", "forged", "decided", "refused", "blocked",
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
      "portal/admin/flows", "portal/admin/bad-attempts", "portal/admin/jobs",
      "portal/admin/job-confirm", "portal/admin/audit", "portal/admin/audit-rows"};
  return kPages;
}

namespace {
// Reads one template and parses it; throws TemplateError naming `file`.
std::string readTemplate(const std::string& file) {
  if (!Poco::File(file).exists()) throw TemplateError(file + ": missing");
  std::string text = readAll(file);
  kainjow::mustache::mustache parsed(text);
  if (!parsed.is_valid()) throw TemplateError(file + ": " + parsed.error_message());
  return text;
}

// templates/strings.json (or a language's): a JSON object of id -> mustache text.
std::map<std::string, std::string> readStrings(const std::string& file) {
  std::map<std::string, std::string> out;
  if (!Poco::File(file).exists()) throw TemplateError(file + ": missing");
  Poco::JSON::Object::Ptr o;
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(readAll(file));
    if (v.type() != typeid(Poco::JSON::Object::Ptr))
      throw TemplateError(file + ": must be a JSON object of id: text");
    o = v.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw TemplateError(file + ": not valid JSON: " + e.displayText());
  }
  for (const auto& [id, v] : *o) {
    if (!v.isString()) throw TemplateError(file + ": " + id + ": must be a string");
    std::string text = v.convert<std::string>();
    kainjow::mustache::mustache parsed(text);
    if (!parsed.is_valid()) throw TemplateError(file + ": " + id + ": " + parsed.error_message());
    out[id] = text;
  }
  return out;
}

bool sameTag(const std::string& a, const std::string& b) {
  return Poco::icompare(a, b) == 0;
}

// HTML parts and pages escape {{x}} for HTML; subjects, text parts and strings do not.
CompiledTemplate::Escape escapeOf(const std::string& name) {
  bool html = name.rfind("pages/", 0) == 0 ||
              (name.size() > 5 && name.compare(name.size() - 5, 5, ".html") == 0);
  return html ? CompiledTemplate::Escape::Html : CompiledTemplate::Escape::None;
}
}  // namespace

struct TemplateSet::Snapshot {
  Sources sources;
  // language -> name -> parsed template (every file of `sources` but the stylesheet)
  std::map<std::string, std::map<std::string, CompiledTemplate>> templates;
  // language -> id -> parsed string
  std::map<std::string, std::map<std::string, CompiledTemplate>> strings;

  explicit Snapshot(Sources from) : sources(std::move(from)) {
    for (const auto& [language, files] : sources.files)
      for (const auto& [name, text] : files)
        if (name != "pages/portal/keywarden.css")
          templates[language].emplace(name, CompiledTemplate(text, escapeOf(name)));
    for (const auto& [language, ids] : sources.strings)
      for (const auto& [id, text] : ids)
        strings[language].emplace(id, CompiledTemplate(text, CompiledTemplate::Escape::None));
  }
};

TemplateSet::TemplateSet(const std::string& dir) {
  auto s = std::make_unique<Sources>();
  std::vector<std::pair<std::string, std::string>> wanted;  // name, file (relative to a root)
  for (const auto& e : mailEvents())
    for (const char* part : {"subject", "txt", "html"})
      wanted.emplace_back("mail/" + e + "." + part, "mail/" + e + "." + part + ".mustache");
  for (const auto& p : pages()) wanted.emplace_back("pages/" + p, "pages/" + p + ".mustache");
  auto& en = s->files[kEnglish];
  for (const auto& [name, file] : wanted) en[name] = readTemplate(dir + "/" + file);
  const std::string css = "pages/portal/keywarden.css";
  if (!Poco::File(dir + "/" + css).exists()) throw TemplateError(dir + "/" + css + ": missing");
  en[css] = readAll(dir + "/" + css);
  s->strings[kEnglish] = readStrings(dir + "/strings.json");
  // Each language folder overlays English: only names English has, each parsed.
  std::string langs = dir + "/lang";
  if (Poco::File(langs).exists() && Poco::File(langs).isDirectory()) {
    std::map<std::string, std::string> byFile;  // relative file -> name
    for (const auto& [name, file] : wanted) byFile[file] = name;
    byFile[css] = css;
    for (Poco::DirectoryIterator it(langs), end; it != end; ++it) {
      if (!it->isDirectory()) continue;
      std::string tag = it.name();
      if (sameTag(tag, kEnglish))
        throw TemplateError(it->path() + ": English is templates/ itself, not a language folder");
      auto& files = s->files[tag];
      std::vector<std::string> stack = {""};
      while (!stack.empty()) {
        std::string rel = stack.back();
        stack.pop_back();
        for (Poco::DirectoryIterator f(it->path() + (rel.empty() ? "" : "/" + rel)), fend;
             f != fend; ++f) {
          std::string name = rel.empty() ? f.name() : rel + "/" + f.name();
          if (f->isDirectory()) {
            stack.push_back(name);
          } else if (name == "strings.json") {
            auto strings = readStrings(f->path());
            for (const auto& kv : strings)
              if (!s->strings[kEnglish].count(kv.first))
                throw TemplateError(f->path() + ": " + kv.first +
                                    ": no such id in the English strings.json");
            s->strings[tag] = std::move(strings);
          } else if (byFile.count(name)) {
            files[byFile[name]] = name == css ? readAll(f->path()) : readTemplate(f->path());
          } else {
            throw TemplateError(f->path() + ": no English template of that name (" + name +
                                ") to translate");
          }
        }
      }
    }
  }
  _snapshot = std::make_shared<const Snapshot>(std::move(*s));
}

TemplateSet::TemplateSet(const TemplateSet& other) : _snapshot(other.snapshot()) {}

std::shared_ptr<const TemplateSet::Snapshot> TemplateSet::snapshot() const {
  return std::atomic_load(&_snapshot);
}

std::shared_ptr<const TemplateSet::Sources> TemplateSet::sources() const {
  auto s = snapshot();
  return std::shared_ptr<const Sources>(s, &s->sources);  // keeps the snapshot alive
}

void TemplateSet::replace(const TemplateSet& fresh) {
  std::atomic_store(&_snapshot, fresh.snapshot());
}

std::vector<std::string> TemplateSet::languages() const {
  std::vector<std::string> out;
  for (const auto& kv : snapshot()->sources.files) out.push_back(kv.first);
  return out;
}

std::string TemplateSet::language(const std::string& tag) const {
  for (const auto& kv : snapshot()->sources.files)
    if (sameTag(kv.first, tag)) return kv.first;
  return "";
}

const CompiledTemplate& TemplateSet::pick(const Snapshot& s, const std::string& name,
                                          const std::string& language) {
  if (!language.empty() && language != kEnglish) {
    auto l = s.templates.find(language);
    if (l != s.templates.end()) {
      auto f = l->second.find(name);
      if (f != l->second.end()) return f->second;
    }
  }
  const auto& en = s.templates.at(kEnglish);
  auto f = en.find(name);
  if (f == en.end()) throw TemplateError(name + ": no such template");
  return f->second;
}

Data TemplateSet::values(const Snapshot& s, const std::string& name, const std::string& contextJson,
                         const std::string& secret, const std::string& language) {
  // The values come from the engine and the pages as JSON text. A context Poco's parser refuses
  // (not JSON, or a string that is not well-formed UTF-8: RFC 8259 §8.1) is the caller's fault, but
  // it is answered as a TemplateError naming the template, never as a parser's exception escaping
  // into a request or the outbox.
  Poco::Dynamic::Var context;
  try {
    Poco::JSON::Parser parser;
    context = parser.parse(contextJson);
  } catch (const Poco::Exception& e) {
    // The parser's words only, in printable ASCII: the error reaches logs and the outbox row.
    std::string why;
    for (char c : e.displayText())
      if (c >= 0x20 && c < 0x7F && why.size() < 200) why.push_back(c);
    throw TemplateError(name + ": the values to render are not JSON text in UTF-8 (" + why + ")");
  }
  if (context.type() != typeid(Poco::JSON::Object::Ptr))
    throw TemplateError(name + ": the values to render are not a JSON object");
  // The engine's phrases (engine/text/Phrase) are said in the reader's language first.
  Data data = toData(PhraseText::resolve(context, lookup(s, language)));
  if (!secret.empty()) data.set("key", secret);
  return data;
}

RenderedMail TemplateSet::renderMail(const std::string& event, const std::string& contextJson,
                                     const std::string& secret, const std::string& language) const {
  auto s = snapshot();  // one set for the three parts
  const std::string base = "mail/" + event;
  // One parse of the values for the three parts (a bad context names the subject template).
  const Data data = values(*s, base + ".subject", contextJson, secret, language);
  RenderedMail m;
  m.subject = pick(*s, base + ".subject", language).render(data);
  for (char& c : m.subject)
    if (c == '\r' || c == '\n') c = ' ';
  while (!m.subject.empty() && m.subject.back() == ' ') m.subject.pop_back();
  m.text = pick(*s, base + ".txt", language).render(data);
  m.html = pick(*s, base + ".html", language).render(data);
  return m;
}

std::string TemplateSet::renderPage(const std::string& page, const std::string& contextJson,
                                    const std::string& language) const {
  auto s = snapshot();
  const std::string name = "pages/" + page;
  const Data data = values(*s, name, contextJson, "", language);  // a bad context first
  return pick(*s, name, language).render(data);
}

std::string TemplateSet::textIn(const Snapshot& s, const std::string& id,
                                const std::string& language,
                                const std::map<std::string, std::string>& values) {
  const CompiledTemplate* t = nullptr;
  auto l = s.strings.find(language);
  if (l != s.strings.end()) {
    auto it = l->second.find(id);
    if (it != l->second.end()) t = &it->second;
  }
  if (!t) {
    const auto& en = s.strings.at(kEnglish);
    auto it = en.find(id);
    if (it == en.end()) return id;
    t = &it->second;
  }
  Data data;
  for (const auto& [k, v] : values) data.set(k, v.empty() ? Data(false) : Data(v));
  return t->render(data);
}

PhraseText::Lookup TemplateSet::lookup(const Snapshot& s, const std::string& language) {
  return [&s, language](const std::string& id, const std::map<std::string, std::string>& values) {
    return textIn(s, id, language, values);
  };
}

std::string TemplateSet::text(const std::string& id, const std::string& language,
                              const std::map<std::string, std::string>& values) const {
  auto s = snapshot();
  return textIn(*s, id, language, values);
}

std::string TemplateSet::phrase(const Poco::Dynamic::Var& phrase,
                                const std::string& language) const {
  auto s = snapshot();
  return PhraseText::say(phrase, lookup(*s, language));
}

std::string TemplateSet::asset(const std::string& name) const {
  return snapshot()->sources.files.at(kEnglish).at(name);
}

}  // namespace keywarden::mail
