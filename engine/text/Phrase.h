#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace keywarden::engine {

// A sentence as data, for mails and pages in the reader's language: the engine says WHAT to
// say (an id of templates/strings.json and its values), the template set says it in the
// reader's language when it renders (mail::PhraseText). The engine never builds an English
// sentence for people. A phrase is a JSON object:
//   {"@": "flow.timeout", "level": <value>, "duration": <value>}  the string `id` with values
//   {"@duration": ms}            "3 days 4 hours" (the two largest units)
//   {"@short": ms}               "3d", "12h" (one unit; as flows write them)
//   {"@relative": at, "now": n}  "in 3 days", "2 hours ago", "just now"
//   {"@calls": n}                "1,000 calls", "unlimited" for n < 0 ("grouped": false: "1000")
//   {"@list": [..], "none": v}   "a, b, c", or `none` when empty ("sep": "semicolon" | "newline")
//   {"@and": [..]}               "a, b and c"
// A value is a string, a number or a phrase (nested). Stateless; thread-safe.
class Phrase {
 public:
  using Ptr = Poco::JSON::Object::Ptr;
  using Values = std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>>;

  static Ptr text(const std::string& id, Values values = {});
  static Ptr duration(int64_t ms);
  static Ptr shortDuration(int64_t ms);
  static Ptr relative(int64_t at, int64_t now);
  static Ptr calls(int64_t n, bool grouped = true);
  static Ptr list(const std::vector<Poco::Dynamic::Var>& items, const Poco::Dynamic::Var& none,
                  const std::string& separator = "");
  static Ptr list(const std::vector<std::string>& items, const Poco::Dynamic::Var& none,
                  const std::string& separator = "");
  static Ptr andList(const std::vector<Poco::Dynamic::Var>& items);
  static Ptr andList(const std::vector<std::string>& items);
  // An engine error for people: the string error.code.<code> (values `field`, the field's
  // name, and `message`, the English message), or the English message when strings.json has
  // no such code.
  static Ptr error(const std::string& code, const std::string& field, const std::string& message);
};

}  // namespace keywarden::engine
