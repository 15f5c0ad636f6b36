#include "api/gateway/GatewayConnection.h"
#include "api/OriginalRequest.h"

#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>

#include <algorithm>
#include <cstring>

#include "api/Exchange.h"
#include "api/PageSecurity.h"
#include "api/RequestId.h"
#include "engine/ports/NoBlockingStore.h"

namespace keywarden::api::gateway {

namespace {
// Poco 1.11's limits while it parses a request (HTTPRequest::read, MessageHeader::read): what
// http.port refuses, refused here the same way.
constexpr size_t kMaxMethod = 32, kMaxUri = 16384, kMaxVersion = 8;
constexpr size_t kMaxName = 256, kMaxValue = 8192;

// The end of the header block that starts at `p`: one past the LF of its empty line, or nullptr
// when it has not arrived. Lines end at LF (a bare LF too, as Poco reads them: RawHeaderCheck
// then refuses it); empty lines before the request line belong to the block.
const char* blockEnd(const char* p, const char* end) {
  while (end - p >= 2 && p[0] == '\r' && p[1] == '\n') p += 2;
  const char* q = p;
  while (true) {
    const char* lf = static_cast<const char*>(std::memchr(q, '\n', static_cast<size_t>(end - q)));
    if (!lf || lf + 1 >= end) return nullptr;
    if (lf[1] == '\n') return lf + 2;
    if (lf[1] == '\r') {
      if (lf + 2 >= end) return nullptr;
      if (lf[2] == '\n') return lf + 3;
    }
    q = lf + 1;
  }
}

// True when [p, q) is longer than `limit` as Poco 1.11 counts it: it drops 0xFF bytes (it
// reads one as EOF). Dropping only shortens, so the bytes are counted only past the limit.
bool overPocoLimit(const char* p, const char* q, size_t limit) {
  size_t n = static_cast<size_t>(q - p);
  return n > limit && n - static_cast<size_t>(std::count(p, q, static_cast<char>(0xFF))) > limit;
}

// The first of Poco 1.11's parse limits that the bytes [p, end) break (as far as they go), as
// the message of the MessageException Poco throws, or nullptr. Poco applies them while it reads,
// before any other rule: a request line part too long, a field name over 256 or a value over
// 8192 bytes, more than 100 fields.
const char* pocoLimit(const char* p, const char* end) {
  while (p < end && (*p == '\r' || *p == '\n')) ++p;
  const char* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
  const char* lineEnd = lf ? lf : end;
  {  // method SP target SP version (split at any white space, as Poco does)
    const char* q = p;
    const size_t limits[3] = {kMaxMethod, kMaxUri, kMaxVersion};
    for (size_t part = 0; part < 3 && q < lineEnd; ++part) {
      while (q < lineEnd && (*q == ' ' || *q == '\t')) ++q;
      const char* start = q;
      while (q < lineEnd && *q != ' ' && *q != '\t' && *q != '\r') ++q;
      if (overPocoLimit(start, q, limits[part])) return "HTTP request line too long";
    }
  }
  size_t fields = 0;
  while (lf) {
    p = lf + 1;
    lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    lineEnd = lf ? lf : end;
    const char* eol = lineEnd;
    if (lf && eol > p && eol[-1] == '\r') --eol;
    if (eol == p) break;  // the empty line
    const char* colon = static_cast<const char*>(std::memchr(p, ':', static_cast<size_t>(eol - p)));
    if (overPocoLimit(p, colon ? colon : eol, kMaxName)) return "Field name too long";
    if (colon) {
      const char* v = colon + 1;
      while (v < eol && (*v == ' ' || *v == '\t')) ++v;
      if (overPocoLimit(v, eol, kMaxValue)) return "Field value too long";
      // Poco ends a value at a CR and then wants LF: a bare CR inside a value is its error.
      if (std::memchr(v, '\r', static_cast<size_t>(eol - v)))
        return "Field value too long/no CRLF found";
    }
    if (++fields > RawHeaderCheck::kMaxFields) return "Too many header fields";
  }
  return nullptr;
}

void appendNumber(std::string& out, uint64_t n) {
  char buf[24];
  size_t i = sizeof buf;
  do {
    buf[--i] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n);
  out.append(buf + i, sizeof buf - i);
}

// Poco's HTTPMessage::getKeepAlive: a Connection field other than "close" keeps the
// connection; without one, HTTP/1.1 keeps it and HTTP/1.0 does not.
bool keepAliveOf(const RawHeaderCheck::Head& head) {
  const std::string_view* c = head.view().find("Connection");
  if (c && !c->empty()) return !HeaderFields::nameIs(*c, "close");
  return head.version == "HTTP/1.1";
}
}  // namespace

GatewayConnection::Scratch& GatewayConnection::scratch() {
  static thread_local Scratch s;
  return s;
}

GatewayConnection::GatewayConnection(GatewayEndpoints& endpoints, const GatewayLimits& limits,
                                     int64_t nowMs)
    : _endpoints(endpoints), _limits(limits), _deadline(nowMs + limits.headerTimeoutMs) {}

void GatewayConnection::write(const GatewayAnswer& a, std::string_view version, bool keepAlive,
                              std::string_view date, std::string& out, std::string_view requestId) {
  out.append(version == "HTTP/1.0" ? "HTTP/1.0 " : "HTTP/1.1 ");
  appendNumber(out, static_cast<uint64_t>(a.status()));
  out.push_back(' ');
  out.append(Poco::Net::HTTPResponse::getReasonForStatus(
      static_cast<Poco::Net::HTTPResponse::HTTPStatus>(a.status())));
  out.append("\r\nDate: ");
  out.append(date);
  out.append(keepAlive ? "\r\nConnection: Keep-Alive" : "\r\nConnection: close");
  if (!requestId.empty()) {
    out.append("\r\nX-Request-Id: ");
    out.append(requestId);
  }
  for (size_t i = 0; i < a.fieldCount(); ++i) {
    out.append("\r\n");
    out.append(a.fieldName(i));
    out.append(": ");
    out.append(a.fieldValue(i));
  }
  if (a.isJson()) out.append("\r\nContent-Type: application/json");
  out.append("\r\nContent-Length: ");
  appendNumber(out, a.body().size());
  out.append("\r\n\r\n");
  out.append(a.body());
}

void GatewayConnection::refuse(const FramingRefusal& r, std::string_view version,
                               std::string_view date, std::string& out) {
  GatewayAnswer& answer = scratch().answer;
  answer.clear();
  answer.set("X-Keywarden-Code", r.code);
  // As http.port's refusals (HttpConnection::refuse): a browser may show it.
  for (size_t i = 0; i < PageSecurity::kCount; ++i)
    answer.set(PageSecurity::fields()[i].name, PageSecurity::fields()[i].value);
  answer.json(r.status, r.json());
  // A refusal names its request too (a made id: the header was not read as sound).
  write(answer, version.empty() ? "HTTP/1.1" : version, false, date, out,
        RequestId::chooseInto({}, scratch().requestId));
  _closing = true;
  _linger = true;
  _inRequest = false;
}

GatewayConnection::Step GatewayConnection::one(const char* data, size_t size, int64_t nowMs,
                                               std::string_view date, std::string& out,
                                               size_t& used) {
  used = 0;
  if (_skip > 0) return skipBody(size, nowMs, used);  // the body of a request answered already
  if (size == 0) return Step::NeedMore;
  if (!_inRequest) beginRequest(nowMs);
  const char* end = blockEnd(data, data + size);
  const size_t block = end ? static_cast<size_t>(end - data) : size;
  if (!end && size <= GatewayLimits::kMaxHeaderBytes) return Step::NeedMore;
  if (!headAccepted(data, block, date, out)) return Step::Closed;
  const RawHeaderCheck::Head& h = scratch().head;
  int64_t length = 0;
  if (const std::string_view* cl = h.view().find("Content-Length"))
    RequestFraming::parseContentLength(*cl, length);  // sound: RequestFraming checked it
  std::string_view path = h.target.substr(0, h.target.find('?'));
  const bool needsBody = length > 0 && h.method == "POST" && path == OriginalRequest::kVerifyPath;
  const bool tooLarge = static_cast<uint64_t>(length) > _limits.maxBodyBytes;

  GatewayCall call;
  call.method = h.method;
  call.uri = h.target;
  call.fields = h.view();
  call.peer = _peer;
  if (const std::string_view* ct = h.view().find("Content-Type")) call.contentType = *ct;
  if (needsBody && !tooLarge) {
    if (!bodyArrived(h, size - block, length, nowMs, out)) return Step::NeedMore;
    call.body = std::string_view(end, static_cast<size_t>(length));
  }
  _bodyWait = false;
  bool keepAlive = keepAliveOf(h);
  // Every answer names its request (README "Request ids"): the caller's X-Request-Id when
  // sane, else one made here; log lines written meanwhile name it too.
  const std::string_view* givenId = h.view().find("X-Request-Id");
  const std::string_view requestId =
      RequestId::chooseInto(givenId ? *givenId : std::string_view(), scratch().requestId);
  RequestId::Borrowed logId(requestId);
  GatewayAnswer& answer = scratch().answer;
  answer.clear();
  try {
    _endpoints.answer(call, tooLarge, answer);
  } catch (const engine::NoBlockingStore::WouldBlock&) {
    // The answer needs the database and this is the loop's thread: nothing was consumed or
    // written; resume() answers the same bytes again on a thread that may wait.
    _parked = true;
    return Step::Parked;
  }
  used =
      consumed(block, size, length, needsBody && !tooLarge, tooLarge, needsBody, nowMs, keepAlive);
  write(answer, h.version, keepAlive, date, out, requestId);
  return finish(keepAlive, nowMs);
}

GatewayConnection::Step GatewayConnection::skipBody(size_t size, int64_t nowMs, size_t& used) {
  size_t n = static_cast<size_t>(std::min<uint64_t>(_skip, size));
  _skip -= n;
  used = n;
  if (_skip == 0) _deadline = nowMs + _limits.keepAliveMs;
  return _skip == 0 ? Step::Answered : Step::NeedMore;
}

void GatewayConnection::beginRequest(int64_t nowMs) {
  _inRequest = true;
  _started = nowMs;
  // The first request's clock started at the accept; a later one's starts with its first byte.
  if (!_first) _deadline = nowMs + _limits.headerTimeoutMs;
}

bool GatewayConnection::headAccepted(const char* data, size_t block, std::string_view date,
                                     std::string& out) {
  // Poco's parse limits come first (it applies them as it reads), answered as
  // RequestFraming::fromParseError answers Poco's exceptions; then the 64 KiB bound.
  if (const char* pocoError = pocoLimit(data, data + block)) {
    refuse(RequestFraming::fromParseError(Poco::Net::MessageException(pocoError), false), "", date,
           out);
    return false;
  }
  if (block > GatewayLimits::kMaxHeaderBytes) {
    refuse(
        {431, "HEADERS_TOO_LARGE", "the request line and header are longer than 65536 bytes", ""},
        "", date, out);
    return false;
  }
  RawHeaderCheck::Head& head = scratch().head;
  if (auto r = RawHeaderCheck::check(data, block, &head)) {
    // http.port runs RequestFraming before RawHeaderCheck: where both refuse a name, its
    // answer is RequestFraming's.
    if (head.nameNotToken)
      if (auto f = RequestFraming::check(head.version, head.view())) r = f;
    refuse(*r, "", date, out);
    return false;
  }
  // Any other version (http/1.1, XTTP/1.1, HTTP) is Poco's to accept and RequestFraming's to
  // answer 505, as on http.port.
  if (auto r = RequestFraming::check(head.version, head.view())) {
    refuse(*r, head.version, date, out);
    return false;
  }
  return true;
}

bool GatewayConnection::bodyArrived(const RawHeaderCheck::Head& h, size_t available, int64_t length,
                                    int64_t nowMs, std::string& out) {
  if (available >= static_cast<uint64_t>(length)) return true;
  if (!_bodyWait) {
    _bodyWait = true;
    _deadline = nowMs + _limits.bodyTimeoutMs;
    // The client waits for a go-ahead before it sends the body (RFC 9110 §10.1.1), as
    // http.port gives it.
    const std::string_view* expect = h.view().find("Expect");
    if (expect && HeaderFields::nameIs(*expect, "100-continue") && h.version == "HTTP/1.1")
      out.append("HTTP/1.1 100 Continue\r\n\r\n");
  }
  return false;
}

size_t GatewayConnection::consumed(size_t block, size_t size, int64_t length, bool bodyUsed,
                                   bool tooLarge, bool needsBody, int64_t nowMs, bool& keepAlive) {
  size_t used = block;
  if (bodyUsed) return used + static_cast<size_t>(length);
  if (length > 0) {
    // A body the answer did not need: dropped as it arrives (up to http.maxBodyBytes, as
    // http.port drains it), or the connection closes.
    // A verify body over the limit is drained up to 16 times the limit (Exchange::readBody).
    if (tooLarge && !(needsBody && static_cast<uint64_t>(length) <= 16 * _limits.maxBodyBytes))
      keepAlive = false;
    size_t here = std::min(static_cast<size_t>(length), size - block);
    used += here;
    _skip = static_cast<uint64_t>(length) - here;
    if (_skip > 0) _deadline = nowMs + _limits.bodyTimeoutMs;
  }
  return used;
}

GatewayConnection::Step GatewayConnection::finish(bool keepAlive, int64_t nowMs) {
  _inRequest = false;
  _first = false;
  if (!keepAlive) {
    _closing = true;
    return Step::Closed;
  }
  if (_skip == 0) _deadline = nowMs + _limits.keepAliveMs;
  return Step::Answered;
}

size_t GatewayConnection::onInput(const char* data, size_t size, int64_t nowMs,
                                  std::string_view date, std::string& out) {
  size_t consumed = 0;
  while (!_closing && !_parked) {
    size_t used = 0;
    Step s = one(data + consumed, size - consumed, nowMs, date, out, used);
    consumed += used;
    if (s != Step::Answered) break;
  }
  if (_closing) return size;  // what follows an answer that closes is dropped
  return consumed;
}

size_t GatewayConnection::resume(const char* data, size_t size, int64_t nowMs,
                                 std::string_view date, std::string& out) {
  _parked = false;
  size_t used = 0;
  one(data, size, nowMs, date, out, used);
  return _closing ? size : used;
}

void GatewayConnection::onDeadline(const char* data, size_t size, std::string_view date,
                                   std::string& out) {
  if (_closing) return;
  if (_bodyWait) {
    const char* end = blockEnd(data, data + size);
    size_t got = end ? size - static_cast<size_t>(end - data) : 0;
    int64_t length = 0;
    // The header arrived whole and sound before the body was awaited: read it again.
    RawHeaderCheck::Head& head = scratch().head;
    RawHeaderCheck::check(data, end ? static_cast<size_t>(end - data) : size, &head);
    if (const std::string_view* cl = head.view().find("Content-Length"))
      RequestFraming::parseContentLength(*cl, length);
    const engine::Error e = Exchange::shortBodyError(got, length);
    GatewayAnswer& answer = scratch().answer;
    answer.clear();
    answer.error(e);
    write(answer, head.version, false, date, out, RequestId::chooseInto({}, scratch().requestId));
    _linger = true;
  } else if (_inRequest && _skip == 0) {
    refuse(RequestFraming::fromParseError(Poco::TimeoutException("header"), true), "", date, out);
  }
  _closing = true;
}

}  // namespace keywarden::api::gateway
