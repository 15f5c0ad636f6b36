#include "api/GatewayAnswer.h"

#include <cstdio>

#include "api/ErrorMapper.h"
#include "api/JsonWriter.h"

namespace keywarden::api {

void GatewayAnswer::clear() {
  _status = 500;
  _count = 0;
  _text.clear();
  _body.clear();
  _json = false;
}

void GatewayAnswer::set(const char* name, std::string_view value) {
  if (_count == kMaxFields) return;  // never reached: the checks set at most 8 fields
  _fields[_count++] = {name, static_cast<uint32_t>(_text.size()),
                       static_cast<uint32_t>(value.size())};
  _text.append(value);
}

void GatewayAnswer::setNumber(const char* name, int64_t value) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
  set(name, std::string_view(buf, static_cast<size_t>(n)));
}

void GatewayAnswer::append(std::string_view more) {
  if (_count == 0) return;
  _text.append(more);
  _fields[_count - 1].length += static_cast<uint32_t>(more.size());
}

void GatewayAnswer::json(int status, std::string body) {
  _status = status;
  _body = std::move(body);
  _json = true;
}

void GatewayAnswer::error(const engine::Error& e) {
  JsonWriter w;
  w.beginObject().objectField("error").field("code", e.code).field("message", e.message);
  if (!e.field.empty()) w.field("field", e.field);
  w.endObject().endObject();
  json(ErrorMapper::status(e), w.take());
}

}  // namespace keywarden::api
