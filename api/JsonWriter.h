#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keywarden::api {

// Builds a JSON document in order, into one string. Callers nest begin/end calls correctly.
class JsonWriter {
 public:
  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray(std::string_view key = {});
  JsonWriter& endArray();
  JsonWriter& key(std::string_view k);
  JsonWriter& objectField(std::string_view k);  // "k": { ... then fields ... endObject()
  JsonWriter& field(std::string_view k, std::string_view v);
  JsonWriter& field(std::string_view k, const char* v) { return field(k, std::string_view(v)); }
  JsonWriter& field(std::string_view k, const std::string& v) {
    return field(k, std::string_view(v));
  }
  JsonWriter& field(std::string_view k, int64_t v);
  JsonWriter& field(std::string_view k, int v) { return field(k, static_cast<int64_t>(v)); }
  JsonWriter& field(std::string_view k, bool v);
  JsonWriter& field(std::string_view k, const std::vector<std::string>& v);
  JsonWriter& nullField(std::string_view k);
  // Inserts already-serialised JSON (such as a stored meta object).
  JsonWriter& rawField(std::string_view k, std::string_view json);
  // A time in RFC 3339, or null when `ms` is 0.
  JsonWriter& timeField(std::string_view k, int64_t ms);
  JsonWriter& value(std::string_view v);

  const std::string& str() const { return _out; }
  std::string take() { return std::move(_out); }

 private:
  void comma();
  std::string _out;
  bool _first = true;
};

}  // namespace keywarden::api
