#pragma once

#include <Poco/Net/MessageHeader.h>

#include <cstddef>
#include <string_view>
#include <vector>

namespace keywarden::api {

// One header field as received: its name and its value with leading and trailing white space
// trimmed (as Poco's MessageHeader keeps it), both viewing bytes someone else owns.
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// A request's header fields in arrival order, duplicates kept: what the request rules
// (RequestFraming, OriginalRequest, the gateway check) read, whichever listener parsed the
// request — Poco's on http.port, the event-driven one on gateway.port. A non-owning view;
// thread-compatible.
class HeaderFields {
 public:
  HeaderFields() = default;
  HeaderFields(const HeaderField* data, size_t size) : _data(data), _size(size) {}

  const HeaderField* begin() const { return _data; }
  const HeaderField* end() const { return _data + _size; }
  size_t size() const { return _size; }

  // The value of the first field named `name` (ASCII case-insensitive), or nullptr.
  const std::string_view* find(std::string_view name) const;

  // The fields of a Poco message, viewing its strings (keep `header` alive and unchanged).
  // Allocates the vector: Poco's listener path only.
  static std::vector<HeaderField> of(const Poco::Net::MessageHeader& header);

  // ASCII case-insensitive equality (header names, RFC 9110 §5.1).
  static bool nameIs(std::string_view a, std::string_view b);
  // The same, with '_' read as '-' in both: how CGI-style servers see a name (PHP, WSGI, Rack
  // and Go's CGI store X_Original_URL and X-Original-URL both as HTTP_X_ORIGINAL_URL).
  static bool cgiNameIs(std::string_view a, std::string_view b);

 private:
  const HeaderField* _data = nullptr;
  size_t _size = 0;
};

}  // namespace keywarden::api
