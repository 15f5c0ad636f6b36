#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/HeaderFields.h"
#include "api/IpAddress.h"
#include "engine/base/Error.h"

namespace keywarden::api {

// One gateway request as both listeners hand it to the checks (VerifyHandlers): its own
// method, its raw target and its fields. Views; the listener keeps the bytes alive.
struct GatewayCall {
  std::string_view method;
  std::string_view uri;
  HeaderFields fields;
  // The request's Content-Type value ("" when absent) and body (verify only).
  std::string_view contentType;
  std::string_view body;
  // The connection's peer (family 0 when unknown): with its headers, who the client is
  // (ClientSource).
  IpAddress peer;
};

// One answer of the gateway checks: status, extra header fields and body, written to Poco's
// response (http.port) or serialised by the event-driven listener (gateway.port) — the same
// answer either way. Header values are kept in one string reused between requests, so a
// connection that keeps its answer object allocates nothing once it has grown.
// Not thread-safe; one per connection or request.
class GatewayAnswer {
 public:
  static constexpr size_t kMaxFields = 12;
  struct Field {
    const char* name;
    uint32_t offset, length;
  };

  void clear();
  void setStatus(int status) { _status = status; }
  int status() const { return _status; }
  // Adds a header field. `name` must be a string literal (kept as a pointer).
  void set(const char* name, std::string_view value);
  void setNumber(const char* name, int64_t value);
  // Appends to the value of the field added last (to build a list without a temporary).
  void append(std::string_view more);
  // A JSON body (Content-Type: application/json).
  void json(int status, std::string body);
  // The API's error answer: {"error":{code,message,field}} with the status of its kind.
  void error(const engine::Error& e);

  size_t fieldCount() const { return _count; }
  const char* fieldName(size_t i) const { return _fields[i].name; }
  std::string_view fieldValue(size_t i) const {
    return std::string_view(_text).substr(_fields[i].offset, _fields[i].length);
  }
  const std::string& body() const { return _body; }
  bool isJson() const { return _json; }

 private:
  int _status = 500;
  std::array<Field, kMaxFields> _fields{};
  size_t _count = 0;
  std::string _text;
  std::string _body;
  bool _json = false;
};

}  // namespace keywarden::api
