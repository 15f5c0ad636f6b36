#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "engine/Error.h"

namespace keywarden::api {

// Reads a JSON request body field by field. The first problem is kept (with the field's name)
// and later reads do nothing, so a handler reads everything and checks error() once.
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
  BodyReader& str(const std::string& f, std::string& out, bool required = false);
  BodyReader& strList(const std::string& f, std::vector<std::string>& out);
  BodyReader& integer(const std::string& f, int64_t& out, bool required = false);
  BodyReader& boolean(const std::string& f, bool& out);
  // RFC 3339 → epoch ms; null reads as 0 ("none").
  BodyReader& time(const std::string& f, int64_t& out);
  // A JSON object, kept as its JSON text.
  BodyReader& objectText(const std::string& f, std::string& out);
  // A nested object reader, or nullopt when absent or null.
  std::optional<BodyReader> child(const std::string& f);
  void fail(const std::string& f, const std::string& message,
            const std::string& code = "INVALID_FIELD");

 private:
  std::string name(const std::string& f) const { return _prefix + f; }
  Poco::JSON::Object::Ptr _obj;
  std::string _prefix;
  std::optional<engine::Error> _error;
};

}  // namespace keywarden::api
