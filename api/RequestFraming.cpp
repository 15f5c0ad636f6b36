#include "api/RequestFraming.h"

#include "api/HttpSyntax.h"

#include <Poco/Net/NetException.h>
#include <Poco/String.h>

#include <cstring>

#include "api/JsonWriter.h"

namespace keywarden::api {

namespace {

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!HttpSyntax::isTokenChar(c)) return false;
  return true;
}

FramingRefusal refuse(int status, const char* code, std::string message, std::string field) {
  return {status, code, std::move(message), std::move(field)};
}
}  // namespace

std::string FramingRefusal::json() const {
  JsonWriter w;
  w.beginObject().objectField("error").field("code", code).field("message", message);
  if (!field.empty()) w.field("field", field);
  w.endObject().endObject();
  return w.take();
}

bool RequestFraming::parseContentLength(std::string_view value, int64_t& out) {
  if (value.empty()) return false;
  int64_t v = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return false;
    int d = c - '0';
    if (v > (INT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

std::optional<FramingRefusal> RequestFraming::check(const Poco::Net::HTTPRequest& req) {
  const std::vector<HeaderField> fields = HeaderFields::of(req);
  return check(req.getVersion(), HeaderFields(fields.data(), fields.size()));
}

namespace {
// What the header says about the framing of the body, and how often.
struct Framing {
  int lengths = 0, codings = 0, hosts = 0;
  const std::string_view* length = nullptr;  // the last Content-Length
  const std::string_view* coding = nullptr;  // the last Transfer-Encoding
};

// One pass over the fields: refuses a name that is no token and a value with a control
// character; counts the framing fields.
std::optional<FramingRefusal> scan(HeaderFields fields, Framing& f) {
  auto is = HeaderFields::nameIs;
  for (const HeaderField& field : fields) {
    const std::string_view& name = field.name;
    const std::string_view& value = field.value;
    if (!isToken(name))
      return refuse(400, "BAD_REQUEST",
                    "a header name holds a character a field name may not hold, such as a space "
                    "before the colon (RFC 9110 §5.1, RFC 9112 §5.1)",
                    "");
    for (unsigned char c : value)
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        return refuse(400, "BAD_REQUEST", "the header holds a control character (RFC 9110 §5.5)",
                      std::string(name));
    if (is(name, "Content-Length")) {
      ++f.lengths;
      f.length = &value;
    } else if (is(name, "Transfer-Encoding")) {
      ++f.codings;
      f.coding = &value;
    } else if (is(name, "Host")) {
      ++f.hosts;
    }
  }
  return std::nullopt;
}

// Host once (HTTP/1.1), and one unambiguous body length: one Content-Length, no
// Transfer-Encoding (RFC 9112 §3.2, §6.1).
std::optional<FramingRefusal> judge(const Framing& f, bool http10) {
  if (f.hosts > 1) return refuse(400, "BAD_REQUEST", "more than one Host header", "Host");
  if (f.hosts == 0 && !http10)
    return refuse(400, "BAD_REQUEST", "an HTTP/1.1 request needs a Host header (RFC 9112 §3.2)",
                  "Host");
  if (f.lengths > 1)
    return refuse(400, "BAD_FRAMING",
                  "more than one Content-Length header: the body's length is ambiguous",
                  "Content-Length");
  if (f.codings > 0 && f.lengths > 0)
    return refuse(400, "BAD_FRAMING",
                  "Content-Length and Transfer-Encoding together: the body's length is "
                  "ambiguous (RFC 9112 §6.1)",
                  "Transfer-Encoding");
  if (f.codings > 0 && http10)
    return refuse(400, "BAD_FRAMING", "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)",
                  "Transfer-Encoding");
  if (f.codings > 1)
    return refuse(400, "BAD_FRAMING", "more than one Transfer-Encoding header",
                  "Transfer-Encoding");
  if (f.coding) {
    if (Poco::icompare(Poco::trim(std::string(*f.coding)), "chunked") == 0)
      return refuse(411, "LENGTH_REQUIRED",
                    "chunked request bodies are not accepted: send the body with a "
                    "Content-Length",
                    "Transfer-Encoding");
    return refuse(400, "BAD_FRAMING",
                  "unsupported transfer coding: only a Content-Length is accepted",
                  "Transfer-Encoding");
  }
  return std::nullopt;
}
}  // namespace

std::optional<FramingRefusal> RequestFraming::check(std::string_view version, HeaderFields fields) {
  const bool http10 = version == Poco::Net::HTTPMessage::HTTP_1_0;
  if (!http10 && version != Poco::Net::HTTPMessage::HTTP_1_1)
    return refuse(505, "VERSION_NOT_SUPPORTED", "only HTTP/1.0 and HTTP/1.1 are served", "");
  Framing f;
  if (auto r = scan(fields, f)) return r;
  if (auto r = judge(f, http10)) return r;
  int64_t n = 0;
  if (f.length && !parseContentLength(*f.length, n))
    return refuse(400, "BAD_FRAMING",
                  "Content-Length must be a number of bytes written in decimal digits only",
                  "Content-Length");
  return std::nullopt;
}

FramingRefusal RequestFraming::fromParseError(const Poco::Exception& e, bool timedOut) {
  if (timedOut || dynamic_cast<const Poco::TimeoutException*>(&e))
    return refuse(408, "REQUEST_TIMEOUT",
                  "the request line and headers did not arrive within http.headerTimeout", "");
  if (dynamic_cast<const Poco::SyntaxException*>(&e))
    return refuse(400, "BAD_FRAMING",
                  "Content-Length must be a number of bytes written in decimal digits only",
                  "Content-Length");
  const std::string& m = e.message();
  if (m.find("Too many header fields") != std::string::npos)
    return refuse(431, "HEADERS_TOO_LARGE", "more than 100 header fields", "");
  // Poco reports an oversized line and a malformed one (no colon, a bare CR) alike.
  if (m.find("Field name too long") != std::string::npos ||
      m.find("ield value too long") != std::string::npos)
    return refuse(400, "BAD_REQUEST",
                  "a header line is too long (names up to 256 bytes, values up to 8192 bytes) or "
                  "malformed (no colon, or a CR not followed by LF)",
                  "");
  return refuse(400, "BAD_REQUEST",
                "the request line or a header could not be parsed (RFC 9112 §3, §5)", "");
}

}  // namespace keywarden::api
