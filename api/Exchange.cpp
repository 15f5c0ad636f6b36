#include "api/Exchange.h"

#include "api/HttpSyntax.h"

#include <Poco/Exception.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <istream>

#include "api/ErrorMapper.h"
#include "api/JsonWriter.h"
#include "api/ProtocolError.h"
#include "engine/text/Utf8.h"

namespace keywarden::api {

Exchange::Exchange(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res,
                   size_t maxBody)
    : _req(req), _res(res), _maxBody(maxBody) {
  const std::string& uri = req.getURI();
  size_t q = uri.find('?');
  _path = uri.substr(0, q);
  if (q != std::string::npos) _query = uri.substr(q + 1);
}

const std::string& Exchange::param(const std::string& name) const {
  static const std::string empty;
  for (const auto& [k, v] : _params)
    if (k == name) return v;
  return empty;
}

std::string Exchange::query(const std::string& name) const {
  if (_queryParams) {
    for (const auto& [k, v] : *_queryParams)
      if (k == name) return v;
    return {};
  }
  return lenientQuery(_query, name);
}

std::string Exchange::lenientQuery(const std::string& query, const std::string& name) {
  if (query.empty()) return {};
  try {
    Poco::URI uri("/?" + query);
    for (const auto& [k, v] : uri.getQueryParameters())
      if (k == name) return v;
  } catch (const Poco::Exception&) {
  }
  return {};
}

std::optional<engine::Error> Exchange::queryOnly(std::initializer_list<const char*> allowed) {
  using engine::Error;
  std::vector<std::pair<std::string, std::string>> params;
  std::string_view q = _query;
  size_t start = 0;
  while (!q.empty() && start <= q.size()) {
    size_t amp = q.find('&', start);
    if (amp == std::string_view::npos) amp = q.size();
    std::string_view piece = q.substr(start, amp - start);
    start = amp + 1;
    size_t eq = piece.find('=');
    std::string name, value;
    if (!HttpSyntax::formDecode(piece.substr(0, eq), name) || !engine::Utf8::valid(name) ||
        engine::Utf8::hasControl(name, false) || name.empty())
      return Error::badInput("query",
                             "the query string holds a parameter without a valid name "
                             "(check '&' and '%' escapes)");
    bool known = false;
    for (const char* a : allowed) known = known || name == a;
    std::string listed;
    for (const char* a : allowed) listed += (listed.empty() ? "" : ", ") + std::string(a);
    if (!known)
      return Error::badInput(
          name,
          "unknown query parameter '" + name + "'" +
              (listed.empty() ? "; this endpoint takes none" : "; this endpoint takes " + listed),
          "UNKNOWN_FIELD");
    if (eq == std::string_view::npos)
      return Error::badInput(name, "query parameter " + name + " needs a value (" + name + "=…)");
    if (!HttpSyntax::formDecode(piece.substr(eq + 1), value))
      return Error::badInput(
          name, "query parameter " + name + " holds a '%' not followed by two hex digits");
    if (!engine::Utf8::valid(value) || engine::Utf8::hasControl(value, false))
      return Error::badInput(name, "query parameter " + name +
                                       " must decode to UTF-8 text without control characters");
    if (value.empty())
      return Error::badInput(name, "query parameter " + name + " is empty; leave it out instead");
    for (const auto& [k, v] : params)
      if (k == name) return Error::badInput(name, "query parameter " + name + " is given twice");
    params.emplace_back(std::move(name), std::move(value));
  }
  _queryParams = std::move(params);
  return std::nullopt;
}

namespace {
// Reads and drops what is left of a body that is too large, up to a bound, so the client can
// read our 413 instead of meeting a reset connection while it is still sending.
void drain(std::istream& in, size_t bound) {
  char buf[16384];
  size_t seen = 0;
  while (in && seen < bound) {
    in.read(buf, sizeof buf);
    seen += static_cast<size_t>(in.gcount());
  }
}
}  // namespace

std::optional<engine::Error> Exchange::readBody(std::string& out) {
  using engine::Error;
  using engine::ErrorKind;
  const Error tooLarge = ProtocolError::bodyTooLarge(_maxBody);
  const size_t drainBound = 16 * _maxBody;
  // Neither a length nor chunks: the message has no body (RFC 7230 §3.3.3). Reading would wait
  // for the client to close the connection.
  if (!_req.getChunkedTransferEncoding() && !_req.hasContentLength()) return std::nullopt;
  std::istream& in = _req.stream();
  auto len = _req.getContentLength64();
  if (len != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
      static_cast<uint64_t>(len) > _maxBody) {
    if (static_cast<uint64_t>(len) <= drainBound)
      drain(in, drainBound);
    else
      _res.setKeepAlive(false);
    return tooLarge;
  }
  char buf[8192];
  try {
    while (in) {
      in.read(buf, sizeof buf);
      out.append(buf, static_cast<size_t>(in.gcount()));
      if (out.size() > _maxBody) {
        drain(in, drainBound);
        _res.setKeepAlive(false);
        return tooLarge;
      }
    }
  } catch (const Poco::TimeoutException&) {
    _res.setKeepAlive(false);
    return Error{ErrorKind::BadInput, "REQUEST_TIMEOUT",
                 "the body stopped arriving before its Content-Length was reached",
                 "Content-Length"};
  }
  // The stream ends early when the client closes, or when http.bodyTimeout cut the read
  // (the connection's watchdog shuts its receive side down).
  if (len != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
      out.size() < static_cast<uint64_t>(len)) {
    _res.setKeepAlive(false);
    return shortBodyError(out.size(), len);
  }
  std::vector<HeaderField> fields = HeaderFields::of(_req);
  return mediaTypeError(out.size(), HeaderFields(fields.data(), fields.size()));
}

engine::Error Exchange::shortBodyError(size_t got, int64_t length) {
  return engine::Error{engine::ErrorKind::BadInput, "BAD_FRAMING",
                       "the body ended after " + std::to_string(got) + " of the " +
                           std::to_string(length) +
                           " bytes Content-Length announced (or did not arrive within "
                           "http.bodyTimeout)",
                       "Content-Length"};
}

namespace {
std::string_view trimmed(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// True when every parameter of a Content-Type value (after its first ';') is well formed and
// a charset, if named, is utf-8 (any case, quoted or not) and named once.
bool utf8Parameters(std::string_view params) {
  int charsets = 0;
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view p = trimmed(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.empty()) continue;
    size_t eq = p.find('=');
    if (eq == std::string_view::npos) return false;
    if (!HeaderFields::nameIs(trimmed(p.substr(0, eq)), "charset")) continue;
    std::string_view v = trimmed(p.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (++charsets > 1 || !HeaderFields::nameIs(v, "utf-8")) return false;
  }
  return true;
}
}  // namespace

std::optional<engine::Error> Exchange::mediaTypeError(size_t size, HeaderFields fields) {
  const std::string_view* type = nullptr;
  for (const HeaderField& f : fields) {
    if (!HeaderFields::nameIs(f.name, "Content-Type")) continue;
    if (type)
      return engine::Error{engine::ErrorKind::BadInput, "BAD_HEADER",
                           "Content-Type is given twice: send it once", "Content-Type"};
    type = &f.value;
  }
  if (size == 0) return std::nullopt;
  std::string_view value = type ? *type : std::string_view();
  size_t semi = value.find(';');
  if (!HeaderFields::nameIs(trimmed(value.substr(0, semi)), "application/json"))
    return ProtocolError::unsupportedMedia(
        "the body must be sent as Content-Type: application/json");
  if (semi != std::string_view::npos && !utf8Parameters(value.substr(semi + 1)))
    return ProtocolError::unsupportedMedia(
        "the body must be sent in UTF-8: Content-Type: application/json, with no charset or "
        "charset=utf-8");
  return std::nullopt;
}

std::optional<BodyReader> Exchange::json(bool allowEmpty) {
  std::string body;
  if (auto e = readBody(body)) {
    sendError(*e);
    return std::nullopt;
  }
  BodyReader r(body, allowEmpty);
  if (r.error()) {
    sendError(*r.error());
    return std::nullopt;
  }
  return r;
}

void Exchange::sendJson(int status, const std::string& body) {
  sendText(status, "application/json", body);
}

void Exchange::sendText(int status, const std::string& contentType, const std::string& body) {
  _status = status;
  _res.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  _res.setContentType(contentType);
  _res.setContentLength(static_cast<std::streamsize>(body.size()));
  _res.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

void Exchange::sendError(const engine::Error& e) {
  JsonWriter w;
  w.beginObject().objectField("error").field("code", e.code).field("message", e.message);
  if (!e.field.empty()) w.field("field", e.field);
  w.endObject().endObject();
  sendJson(ErrorMapper::status(e), w.str());
}

void Exchange::sendEmpty(int status) {
  _status = status;
  _res.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  _res.setContentLength(0);
  _res.send();
}

}  // namespace keywarden::api
