#include "api/BodyReader.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>
#include <unordered_map>

#include "engine/base/Rfc3339.h"
#include "engine/text/StrictJson.h"
#include "engine/text/Utf8.h"
#include "engine/text/Validation.h"

namespace keywarden::api {

BodyReader::BodyReader(const std::string& body, bool allowEmpty) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    if (allowEmpty)
      _obj = new Poco::JSON::Object;
    else
      _error = engine::Error::badInput("", "a JSON object body is required", "MISSING_BODY");
    return;
  }
  auto parsed = engine::StrictJson::parse(body);
  if (parsed.error) {
    _error = parsed.error;
    return;
  }
  if (parsed.value.type() != typeid(Poco::JSON::Object::Ptr)) {
    _error = engine::Error::badInput("", "the body must be a JSON object", "INVALID_JSON");
    return;
  }
  _obj = parsed.value.extract<Poco::JSON::Object::Ptr>();
}

BodyReader::BodyReader(Poco::JSON::Object::Ptr obj, std::string prefix)
    : _obj(std::move(obj)), _prefix(std::move(prefix)) {}

void BodyReader::fail(const std::string& f, const std::string& message, const std::string& code) {
  if (!_error) _error = engine::Error::badInput(name(f), message, code);
}

void BodyReader::adopt(const BodyReader& child) {
  if (!_error && child.error()) _error = child.error();
}

bool BodyReader::has(const std::string& f) const {
  return _obj && _obj->has(f);
}

bool BodyReader::isNull(const std::string& f) const {
  return has(f) && _obj->isNull(f);
}

BodyReader& BodyReader::onlyFields(std::initializer_list<const char*> allowed) {
  if (_error) return *this;
  for (const auto& [k, v] : *_obj) {
    bool known = false;
    for (const char* a : allowed) known = known || k == a;
    if (!known) {
      fail(k, "unknown field '" + name(k) + "'", "UNKNOWN_FIELD");
      return *this;
    }
  }
  return *this;
}

bool BodyReader::readString(const std::string& f, std::string& out, bool required, bool multiline) {
  if (_error) return false;
  if (!has(f) || isNull(f)) {
    if (required) fail(f, name(f) + " is required", "MISSING_FIELD");
    return false;
  }
  auto v = _obj->get(f);
  if (!v.isString()) return fail(f, name(f) + " must be a string"), false;
  std::string s = v.extract<std::string>();
  // StrictJson has checked UTF-8 and NUL; other controls depend on the field.
  if (engine::Utf8::hasControl(s, multiline))
    return fail(f, name(f) + (multiline ? " holds a control character other than tab or line break"
                                        : " holds a control character (such as a line break)")),
           false;
  if (required && s.empty()) return fail(f, name(f) + " must not be empty", "MISSING_FIELD"), false;
  out = std::move(s);
  return true;
}

BodyReader& BodyReader::str(const std::string& f, std::string& out, bool required) {
  readString(f, out, required, false);
  return *this;
}

BodyReader& BodyReader::text(const std::string& f, std::string& out) {
  readString(f, out, false, true);
  return *this;
}

BodyReader& BodyReader::strList(const std::string& f, std::vector<std::string>& out) {
  if (_error || !has(f) || isNull(f)) return *this;
  auto arr = _obj->getArray(f);
  if (!arr) return fail(f, name(f) + " must be an array of strings"), *this;
  std::vector<std::string> items;
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < arr->size(); ++i) {
    auto v = arr->get(static_cast<unsigned>(i));
    std::string at = name(f) + "[" + std::to_string(i) + "]";
    if (!v.isString()) return fail(f, name(f) + " must be an array of strings"), *this;
    std::string s = v.extract<std::string>();
    if (engine::Utf8::hasControl(s, false))
      return fail(f, at + " holds a control character"), *this;
    // A list is a set: a value given twice is refused, not stored twice (nor silently merged).
    auto first = seen.emplace(s, i);
    if (!first.second)
      return fail(f, at + " repeats " + name(f) + "[" + std::to_string(first.first->second) +
                         "]: give each value once"),
             *this;
    items.push_back(std::move(s));
  }
  out = std::move(items);
  return *this;
}

BodyReader& BodyReader::scopeList(const std::string& f, std::vector<std::string>& out) {
  std::vector<std::string> items;
  bool present = has(f) && !isNull(f);
  strList(f, items);
  if (_error || !present) return *this;
  if (auto e = engine::Validation::scopes(name(f), items)) {
    _error = e;
    return *this;
  }
  out = std::move(items);
  return *this;
}

BodyReader& BodyReader::integer(const std::string& f, int64_t& out, int64_t min, int64_t max,
                                bool required) {
  if (_error) return *this;
  if (!has(f) || isNull(f)) {
    if (required) fail(f, name(f) + " is required", "MISSING_FIELD");
    return *this;
  }
  auto v = _obj->get(f);
  const std::string range = std::to_string(min) + " and " + std::to_string(max);
  // StrictJson stores integers written without fraction or exponent as Int64, and every other
  // number as double: `1.0` and `1e3` are not integers here.
  if (v.type() != typeid(Poco::Int64))
    return fail(f, name(f) +
                       " must be a whole number written without a fraction or exponent, "
                       "between " +
                       range),
           *this;
  auto n = v.extract<Poco::Int64>();
  if (n < min || n > max) return fail(f, name(f) + " must be between " + range), *this;
  out = n;
  return *this;
}

BodyReader& BodyReader::boolean(const std::string& f, bool& out) {
  if (_error || !has(f) || isNull(f)) return *this;
  auto v = _obj->get(f);
  if (!v.isBoolean()) return fail(f, name(f) + " must be true or false"), *this;
  out = v.extract<bool>();
  return *this;
}

BodyReader& BodyReader::time(const std::string& f, int64_t& out) {
  if (_error || !has(f)) return *this;
  if (isNull(f)) {
    out = 0;
    return *this;
  }
  auto v = _obj->get(f);
  if (!v.isString()) return fail(f, name(f) + " must be an RFC 3339 time string"), *this;
  std::string why;
  auto ms = engine::Rfc3339::parse(v.extract<std::string>(), &why);
  if (!ms)
    return fail(f, name(f) + " must be an RFC 3339 time such as 2026-12-31T23:59:59Z: " + why),
           *this;
  out = *ms;
  return *this;
}

BodyReader& BodyReader::objectText(const std::string& f, std::string& out) {
  if (_error || !has(f) || isNull(f)) return *this;
  auto o = _obj->getObject(f);
  if (!o) return fail(f, name(f) + " must be a JSON object"), *this;
  std::ostringstream s;
  Poco::JSON::Stringifier::condense(o, s);
  if (s.str().size() > 16384) return fail(f, name(f) + " is larger than 16 KiB"), *this;
  out = s.str();
  return *this;
}

std::optional<BodyReader> BodyReader::child(const std::string& f) {
  if (_error || !has(f) || isNull(f)) return std::nullopt;
  auto o = _obj->getObject(f);
  if (!o) {
    fail(f, name(f) + " must be a JSON object");
    return std::nullopt;
  }
  return BodyReader(o, name(f) + ".");
}

}  // namespace keywarden::api
