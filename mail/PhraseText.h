#pragma once

#include <Poco/Dynamic/Var.h>

#include <functional>
#include <map>
#include <string>

namespace keywarden::mail {

// Says the engine's phrases (engine/text/Phrase: an id of templates/strings.json with values,
// durations, relative times, amounts, lists) in one language, so that a template receives text
// in its reader's language. `Lookup` is the string id in that language with {{name}} values
// replaced (TemplateSet::text); the units, list separators and other words come from the same
// strings (unit.*, short.*, time.*, amount.*, list.*). Plain strings, numbers and booleans are
// left as they are. Stateless; thread-safe.
class PhraseText {
 public:
  using Lookup = std::function<std::string(const std::string& id,
                                           const std::map<std::string, std::string>& values)>;

  // True when `v` is a phrase object.
  static bool isPhrase(const Poco::Dynamic::Var& v);
  // `v` as text: a phrase said, anything else converted.
  static std::string say(const Poco::Dynamic::Var& v, const Lookup& t);
  // A copy of `v` (a JSON object, array or value) with every phrase inside replaced by its text.
  static Poco::Dynamic::Var resolve(const Poco::Dynamic::Var& v, const Lookup& t);
};

}  // namespace keywarden::mail
