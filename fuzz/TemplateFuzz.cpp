// libFuzzer target: mail::TemplateSet, the mustache rendering of mails and pages, with the
// untrusted values (names, comments, descriptions people type): the first byte picks the mail
// or page and the language, the rest is the value of every variable any template uses.
// Invariants: in an HTML part or page the value never comes out unescaped (it appears no more
// often than the template's own text has it), a mail subject has no line break; nothing
// throws. A value that is not UTF-8 (RFC 3629, engine::Utf8 — StrictJson, the query and path
// decoders and Validation::text refuse one before it reaches a template) only checks that the
// render either works or throws TemplateError: Poco's JSON parser refuses such a context, and
// no other exception may escape. (Untrusted template files — an operator's edited templates/,
// or a translation — are TemplateFileFuzz: each of its inputs loads a whole template set, which
// made this target 16 executions a second while the two shared one binary.)
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <kainjow/mustache.hpp>

#include "engine/text/Utf8.h"
#include "mail/TemplateSet.h"

using keywarden::mail::TemplateError;
using keywarden::mail::TemplateSet;

namespace {
const std::string kSource = std::string(KEYWARDEN_SOURCE_DIR) + "/templates";

// Every variable name the templates use, outside triple mustaches (raw by design).
struct Names {
  std::set<std::string> escaped;
  std::set<std::string> raw;
};

const Names& names(const TemplateSet& set) {
  static const Names n = [&] {
    Names out;
    std::regex tag(R"(\{\{(\{|&)?\s*[#^/]?\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}?\}\})");
    for (const auto& [lang, files] : set.sources()->files)
      for (const auto& [name, text] : files)
        for (std::sregex_iterator it(text.begin(), text.end(), tag), end; it != end; ++it)
          ((*it)[1].matched ? out.raw : out.escaped).insert((*it)[2].str());
    for (const auto& r : out.raw) out.escaped.erase(r);
    return out;
  }();
  return n;
}

// {"a": v, "b": {"c": v}} for names a and b.c.
std::string contextWith(const Names& n, const std::string& value) {
  Poco::JSON::Object::Ptr root = new Poco::JSON::Object;
  auto put = [&](const std::string& dotted, const std::string& v) {
    Poco::JSON::Object::Ptr o = root;
    size_t from = 0;
    for (size_t dot; (dot = dotted.find('.', from)) != std::string::npos; from = dot + 1) {
      std::string part = dotted.substr(from, dot - from);
      if (!o->has(part) || !o->isObject(part))
        o->set(part, Poco::JSON::Object::Ptr(new Poco::JSON::Object));
      o = o->getObject(part);
    }
    o->set(dotted.substr(from), v);
  };
  for (const auto& name : n.escaped) put(name, value);
  for (const auto& name : n.raw) put(name, "RAW");
  std::ostringstream s;
  root->stringify(s);
  return s.str();
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

// The occurrences of `value` in `html` that are not inside its escaped form: "a&" is a prefix of
// its own escape "a&amp;", which is not the value coming out unescaped (TemplateFuzz's own false
// alarm, fuzz/corpus/TemplateFuzz/value-ends-with-ampersand).
size_t unescaped(const std::string& html, const std::string& value) {
  const std::string esc = kainjow::mustache::html_escape<std::string>(value);
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t at = html.find(esc); at != std::string::npos; at = html.find(esc, at + 1))
    spans.emplace_back(at, at + esc.size());
  size_t n = 0;
  for (size_t at = html.find(value); at != std::string::npos; at = html.find(value, at + 1)) {
    bool inside = false;
    for (const auto& [from, to] : spans) inside = inside || (from <= at && at + value.size() <= to);
    if (!inside) ++n;
  }
  return n;
}

bool needsEscaping(const std::string& v) {
  return v.size() >= 4 && v.find_first_of("<>&\"'") != std::string::npos;
}

// Renders with a context the product never makes (a value that is not UTF-8): TemplateError,
// or a page, and nothing else.
void notUtf8(const TemplateSet& set, const std::string& event, const std::string& page,
             const std::string& context, const std::string& language) {
  try {
    (void)(event.empty() ? set.renderPage(page, context, language).size()
                         : set.renderMail(event, context, "", language).html.size());
  } catch (const TemplateError&) {
  }
}

void untrustedValue(uint8_t pick, const std::string& value) {
  static const TemplateSet set(kSource);
  const Names& n = names(set);
  std::string context = contextWith(n, value);
  auto languages = set.languages();
  std::string language = languages[(pick >> 1) % languages.size()];
  const auto& events = TemplateSet::mailEvents();
  const auto& pages = TemplateSet::pages();
  size_t which = pick % (events.size() + pages.size());
  if (!keywarden::engine::Utf8::valid(value)) {
    bool mail = which < events.size();
    return notUtf8(set, mail ? events[which] : "", mail ? "" : pages[which - events.size()],
                   context, language);
  }
  auto sources = set.sources();
  auto templateText = [&](const std::string& name) {
    auto l = sources->files.find(language);
    if (l != sources->files.end() && l->second.count(name)) return l->second.at(name);
    return sources->files.at(TemplateSet::kEnglish).at(name);
  };
  if (which < events.size()) {
    const std::string& event = events[which];
    auto m = set.renderMail(event, context, "", language);
    if (m.subject.find_first_of("\r\n") != std::string::npos) std::abort();
    if (needsEscaping(value) &&
        unescaped(m.html, value) > count(templateText("mail/" + event + ".html"), value))
      std::abort();
  } else {
    const std::string& page = pages[which - events.size()];
    std::string html = set.renderPage(page, context, language);
    if (needsEscaping(value) &&
        unescaped(html, value) > count(templateText("pages/" + page), value))
      std::abort();
  }
  (void)set.text("title.home", language, {{"name", value}});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The pick of the shared binary's value inputs (first byte even): data[0] >> 1.
  untrustedValue(data[0] >> 1, std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  return 0;
}
