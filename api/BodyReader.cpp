#include "api/BodyReader.h"

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <cmath>
#include <sstream>

#include "engine/Rfc3339.h"

namespace keywarden::api {

BodyReader::BodyReader(const std::string& body, bool allowEmpty) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    if (allowEmpty)
      _obj = new Poco::JSON::Object;
    else
      _error = engine::Error::badInput("", "a JSON object body is required", "MISSING_BODY");
    return;
  }
  try {
    Poco::JSON::Parser parser;
    auto v = parser.parse(body);
    if (v.type() != typeid(Poco::JSON::Object::Ptr)) {
      _error = engine::Error::badInput("", "the body must be a JSON object", "INVALID_JSON");
      return;
    }
    _obj = v.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    _error =
        engine::Error::badInput("", "the body is not valid JSON: " + e.message(), "INVALID_JSON");
  } catch (const std::exception& e) {
    _error = engine::Error::badInput("", std::string("the body is not valid JSON: ") + e.what(),
                                     "INVALID_JSON");
  }
}

BodyReader::BodyReader(Poco::JSON::Object::Ptr obj, std::string prefix)
    : _obj(std::move(obj)), _prefix(std::move(prefix)) {}

void BodyReader::fail(const std::string& f, const std::string& message, const std::string& code) {
  if (!_error) _error = engine::Error::badInput(name(f), message, code);
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

BodyReader& BodyReader::str(const std::string& f, std::string& out, bool required) {
  if (_error) return *this;
  if (!has(f) || isNull(f)) {
    if (required) fail(f, name(f) + " is required", "MISSING_FIELD");
    return *this;
  }
  auto v = _obj->get(f);
  if (!v.isString()) return fail(f, name(f) + " must be a string"), *this;
  out = v.extract<std::string>();
  if (required && out.empty()) fail(f, name(f) + " must not be empty", "MISSING_FIELD");
  return *this;
}

BodyReader& BodyReader::strList(const std::string& f, std::vector<std::string>& out) {
  if (_error || !has(f) || isNull(f)) return *this;
  auto arr = _obj->getArray(f);
  if (!arr) return fail(f, name(f) + " must be an array of strings"), *this;
  std::vector<std::string> items;
  for (size_t i = 0; i < arr->size(); ++i) {
    auto v = arr->get(static_cast<unsigned>(i));
    if (!v.isString()) return fail(f, name(f) + " must be an array of strings"), *this;
    items.push_back(v.extract<std::string>());
  }
  out = std::move(items);
  return *this;
}

BodyReader& BodyReader::integer(const std::string& f, int64_t& out, bool required) {
  if (_error) return *this;
  if (!has(f) || isNull(f)) {
    if (required) fail(f, name(f) + " is required", "MISSING_FIELD");
    return *this;
  }
  auto v = _obj->get(f);
  if (v.isString() || v.isBoolean() || !v.isNumeric())
    return fail(f, name(f) + " must be an integer"), *this;
  if (!v.isInteger()) {
    double d = v.convert<double>();
    if (std::floor(d) != d || std::fabs(d) > 9.0e15)
      return fail(f, name(f) + " must be an integer"), *this;
    out = static_cast<int64_t>(d);
    return *this;
  }
  out = v.convert<Poco::Int64>();
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
  auto ms = engine::Rfc3339::parse(v.extract<std::string>());
  if (!ms)
    return fail(f, name(f) + " must be an RFC 3339 time such as 2026-12-31T23:59:59Z"), *this;
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
