#pragma once

#include <Poco/Dynamic/Var.h>

#include <map>
#include <string>

#include "mail/TemplateSet.h"

namespace keywarden::web {

// The strings the portal puts into pages itself (titles, messages, form errors, states — the
// ids of templates/strings.json), in one visitor's language: English, or a folder
// templates/lang/<tag>/ whose strings.json overlays it (mail::TemplateSet::text). Cheap to copy;
// lives as long as one request. Thread-safe (the set is).
class Texts {
 public:
  Texts(const mail::TemplateSet& templates, std::string language)
      : _templates(&templates), _language(std::move(language)) {}

  const std::string& language() const { return _language; }
  // The string `id` with {{name}} replaced by values[name]; an unknown id returns the id.
  std::string operator()(const std::string& id,
                         const std::map<std::string, std::string>& values = {}) const {
    return _templates->text(id, _language, values);
  }
  // An engine phrase (engine/text/Phrase) in this language.
  std::string say(const Poco::Dynamic::Var& phrase) const {
    return _templates->phrase(phrase, _language);
  }

 private:
  const mail::TemplateSet* _templates;
  std::string _language;
};

}  // namespace keywarden::web
