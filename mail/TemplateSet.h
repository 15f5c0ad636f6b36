#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "mail/CompiledTemplate.h"
#include "mail/PhraseText.h"

namespace keywarden::mail {

// A template that cannot be used: what() names the file and the problem.
class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RenderedMail {
  std::string subject;
  std::string text;
  std::string html;
};

// The mail templates (templates/mail/<event>.{subject,txt,html}.mustache), the approver
// link pages (templates/pages/<page>.mustache), the portal's (templates/pages/portal/, with its
// stylesheet keywarden.css) and the strings the server puts into pages itself (titles,
// messages, states: templates/strings.json, an object of id -> mustache text). All are read and
// parsed when the set is built — once: renders reuse the parsed form (CompiledTemplate) — so a
// missing file or a syntax error stops start-up (or a reload) naming the file; wording changes
// need no rebuild. Values are HTML-escaped in HTML parts and
// pages, and left as they are in subjects, text and strings. An empty string counts as false in
// a section ({{#comment}}…{{/comment}}).
//
// Languages: English is templates/ itself; every other language is a folder
// templates/lang/<tag>/ (a BCP 47 tag such as zh-TW) holding the same relative names. A file a
// language folder lacks falls back to the English one, and so does each id its strings.json
// lacks. A file in a language folder with no English counterpart, or a string id English does
// not have, is an error (a typo would otherwise be silently English). An unknown or empty
// language renders English.
//
// Reloadable (SIGHUP / `keywarden reload`): the whole set (sources and parsed templates) is one
// immutable snapshot behind a shared_ptr. replace() swaps it in one atomic store; every render
// takes a snapshot first, so it uses one set from start to end; renders share no lock of
// their own (std::atomic_load of the shared_ptr holds one of libstdc++'s pooled mutexes for
// an instant).
// Thread-safe: any method from any thread.
class TemplateSet {
 public:
  static constexpr const char* kEnglish = "en";
  static const std::vector<std::string>& mailEvents();
  static const std::vector<std::string>& pages();

  // Throws TemplateError naming the file and the problem.
  explicit TemplateSet(const std::string& dir);
  TemplateSet(const TemplateSet& other);
  TemplateSet& operator=(const TemplateSet&) = delete;

  // Swaps in `fresh`'s templates, atomically.
  void replace(const TemplateSet& fresh);

  // "en" and the tag of every folder under templates/lang/, sorted.
  std::vector<std::string> languages() const;
  // `language` as this set spells it when it has that language (tags compare ignoring case:
  // "zh-tw" -> "zh-TW"), else "".
  std::string language(const std::string& tag) const;

  // `contextJson` is a JSON object (RFC 8259, every string well-formed UTF-8), parsed once for
  // the three parts of a mail; `secret`, when not empty, is available as {{key}}. A context Poco's
  // parser refuses, or one that is not an object, throws TemplateError naming the template (no Poco
  // exception escapes); so does an event or page the set has no template for.
  RenderedMail renderMail(const std::string& event, const std::string& contextJson,
                          const std::string& secret = "", const std::string& language = "") const;
  std::string renderPage(const std::string& page, const std::string& contextJson,
                         const std::string& language = "") const;
  // The string `id` of templates/strings.json in `language`, with {{name}} replaced by
  // values[name] (not escaped: the caller's page escapes it). An unknown id returns the id.
  std::string text(const std::string& id, const std::string& language,
                   const std::map<std::string, std::string>& values = {}) const;
  // An engine phrase (engine/text/Phrase) said in `language`.
  std::string phrase(const Poco::Dynamic::Var& phrase, const std::string& language) const;
  // A file served as it is (pages/portal/keywarden.css).
  std::string asset(const std::string& name) const;

  // What a language folder holds and English has (relative names, "strings.json" for strings):
  // for the completeness test and the reload log.
  struct Sources {
    // language -> name (mail/key-issued.subject, pages/portal/home, css) -> text
    std::map<std::string, std::map<std::string, std::string>> files;
    // language -> id -> text
    std::map<std::string, std::map<std::string, std::string>> strings;
  };
  std::shared_ptr<const Sources> sources() const;

 private:
  // Sources plus every template and string parsed (CompiledTemplate), per language; immutable.
  struct Snapshot;
  static const CompiledTemplate& pick(const Snapshot& s, const std::string& name,
                                      const std::string& language);
  // `contextJson` parsed, its phrases said in `language`, `secret` as {{key}}: the values for
  // the template `name` (named in the TemplateError a bad context throws).
  static kainjow::mustache::data values(const Snapshot& s, const std::string& name,
                                        const std::string& contextJson, const std::string& secret,
                                        const std::string& language);
  static std::string textIn(const Snapshot& s, const std::string& id, const std::string& language,
                            const std::map<std::string, std::string>& values);
  // textIn on `s` (which must outlive the lookup) in `language`.
  static PhraseText::Lookup lookup(const Snapshot& s, const std::string& language);
  std::shared_ptr<const Snapshot> snapshot() const;
  std::shared_ptr<const Snapshot> _snapshot;  // std::atomic_load / std::atomic_store only
};

}  // namespace keywarden::mail
