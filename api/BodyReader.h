#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/Error.h"

namespace keywarden::api {

// Reads a JSON request body field by field. The first problem is kept (with the field's name,
// its JSON path such as `refill.amount`) and later reads do nothing, so a handler reads
// everything and checks error() once.
//
// The body is parsed by engine::StrictJson: no duplicate member, no byte order mark, no text
// after the value, UTF-8 only, no NUL, integers within int64, nesting bounded. Strings read by
// str()/strList() hold no control character (text() allows tab, LF and CR); integers are
// JSON integers (no fraction, no exponent) within the range the caller gives.
class BodyReader {
 public:
  // Parses `body`; an empty body reads as {} when `allowEmpty`.
  BodyReader(const std::string& body, bool allowEmpty);
  // A nested object (`prefix` names it in errors, e.g. "refill.").
  BodyReader(Poco::JSON::Object::Ptr obj, std::string prefix);

  const std::optional<engine::Error>& error() const { return _error; }
  bool has(const std::string& f) const;
  bool isNull(const std::string& f) const;

  // Each reader leaves `out` alone when the field is absent (or null, where null is allowed).
  BodyReader& onlyFields(std::initializer_list<const char*> allowed);
  // A one-line string: no control characters.
  BodyReader& str(const std::string& f, std::string& out, bool required = false);
  // Multi-line text (a description, a comment): tab, LF and CR allowed, other controls not.
  BodyReader& text(const std::string& f, std::string& out);
  // A list of one-line strings, each at most once (a repeated value is refused naming `f`).
  BodyReader& strList(const std::string& f, std::vector<std::string>& out);
  // A list of scopes, each checked by engine::Validation::scope.
  BodyReader& scopeList(const std::string& f, std::vector<std::string>& out);
  // A JSON integer in [min, max]; anything else (a fraction, an exponent, a string, a
  // boolean, out of range) is INVALID_FIELD naming `f`.
  BodyReader& integer(const std::string& f, int64_t& out, int64_t min, int64_t max,
                      bool required = false);
  BodyReader& boolean(const std::string& f, bool& out);
  // RFC 3339 → epoch ms (engine::Rfc3339); null reads as 0 ("none").
  BodyReader& time(const std::string& f, int64_t& out);
  // A JSON object, kept as its JSON text.
  BodyReader& objectText(const std::string& f, std::string& out);
  // A nested object reader, or nullopt when absent or null.
  std::optional<BodyReader> child(const std::string& f);
  void fail(const std::string& f, const std::string& message,
            const std::string& code = "INVALID_FIELD");
  // Takes a nested reader's error (its field already carries the full path).
  void adopt(const BodyReader& child);
  // The full name of field `f` here, as errors name it.
  std::string name(const std::string& f) const { return _prefix + f; }

 private:
  bool readString(const std::string& f, std::string& out, bool required, bool multiline);
  Poco::JSON::Object::Ptr _obj;
  std::string _prefix;
  std::optional<engine::Error> _error;
};

}  // namespace keywarden::api
