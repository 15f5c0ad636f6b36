#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/JsonWriter.h"

namespace keywarden::web {

// Turns the console's form fields into the JSON body the API reads, so that api::BodyReader and
// the engine check them exactly as they check a JSON request: the same rules, the same messages,
// the same field names. A form value that is not of the JSON type the field needs (a quota of
// "ten") is passed as a string, so the API's own "must be an integer" error names the field.
// Stateless; thread-safe.
class FormJson {
 public:
  // `text` as a JSON integer when it is one (an optional '-' and digits), else as a string;
  // nothing when blank.
  static void integer(api::JsonWriter& w, const std::string& field, const std::string& text);
  // Words separated by spaces, commas or line breaks, as a JSON array of strings.
  static void list(api::JsonWriter& w, const std::string& field, const std::string& text);
  // A date (YYYY-MM-DD, read as 00:00 UTC) or a date and time (YYYY-MM-DDTHH:MM[:SS], read as
  // UTC) as RFC 3339; anything else is passed on as typed, for the API to refuse; nothing when
  // blank.
  static void time(api::JsonWriter& w, const std::string& field, const std::string& text);
  static std::vector<std::string> words(const std::string& text);
  // A form's text without carriage returns (browsers send CRLF in textareas).
  static std::string text(const std::string& t);
};

}  // namespace keywarden::web
