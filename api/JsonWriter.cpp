#include "api/JsonWriter.h"

#include "engine/base/Rfc3339.h"
#include "engine/text/JsonText.h"

namespace keywarden::api {

using engine::JsonText;

void JsonWriter::comma() {
  if (!_first) _out.push_back(',');
  _first = false;
}

JsonWriter& JsonWriter::beginObject() {
  comma();
  _out.push_back('{');
  _first = true;
  return *this;
}

JsonWriter& JsonWriter::endObject() {
  _out.push_back('}');
  _first = false;
  return *this;
}

JsonWriter& JsonWriter::beginArray(std::string_view k) {
  if (!k.empty())
    key(k);
  else
    comma();
  _out.push_back('[');
  _first = true;
  return *this;
}

JsonWriter& JsonWriter::endArray() {
  _out.push_back(']');
  _first = false;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  comma();
  JsonText::appendQuoted(_out, k);
  _out.push_back(':');
  _first = true;  // the value that follows takes no comma
  return *this;
}

JsonWriter& JsonWriter::objectField(std::string_view k) {
  key(k);
  return beginObject();
}

JsonWriter& JsonWriter::field(std::string_view k, std::string_view v) {
  key(k);
  return value(v);
}

JsonWriter& JsonWriter::value(std::string_view v) {
  comma();
  JsonText::appendQuoted(_out, v);
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, int64_t v) {
  key(k);
  _out += std::to_string(v);
  _first = false;
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, bool v) {
  key(k);
  _out += v ? "true" : "false";
  _first = false;
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, const std::vector<std::string>& v) {
  beginArray(k);
  for (const auto& s : v) value(s);
  return endArray();
}

JsonWriter& JsonWriter::nullField(std::string_view k) {
  return rawField(k, "null");
}

JsonWriter& JsonWriter::rawField(std::string_view k, std::string_view json) {
  key(k);
  _out += json;
  _first = false;
  return *this;
}

JsonWriter& JsonWriter::timeField(std::string_view k, int64_t ms) {
  if (ms == 0) return nullField(k);
  return field(k, engine::Rfc3339::format(ms));
}

}  // namespace keywarden::api
