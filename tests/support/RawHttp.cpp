#include "tests/support/RawHttp.h"

#include <Poco/NumberParser.h>
#include <Poco/String.h>

namespace keywarden::test {

RawHttp::RawHttp(int port, int timeoutMs)
    : _socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port))) {
  _socket.setReceiveTimeout(Poco::Timespan(static_cast<long>(timeoutMs) * 1000));
}

void RawHttp::send(const std::string& bytes) {
  size_t at = 0;
  while (at < bytes.size()) {
    int n = _socket.sendBytes(bytes.data() + at, static_cast<int>(bytes.size() - at));
    if (n <= 0) break;
    at += static_cast<size_t>(n);
  }
}

bool RawHttp::fill() {
  char buf[8192];
  try {
    int n = _socket.receiveBytes(buf, sizeof buf);
    if (n <= 0) return false;
    _buf.append(buf, static_cast<size_t>(n));
    return true;
  } catch (const Poco::Exception&) {
    return false;  // timeout or reset
  }
}

HttpResponse RawHttp::read() {
  HttpResponse r;
  size_t end;
  while ((end = _buf.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return r;
  std::string head = _buf.substr(0, end);
  _buf.erase(0, end + 4);
  size_t lineEnd = head.find("\r\n");
  std::string statusLine = head.substr(0, lineEnd);
  if (statusLine.size() >= 12) r.status = Poco::NumberParser::parse(statusLine.substr(9, 3));
  for (size_t at = lineEnd; at != std::string::npos && at < head.size();) {
    size_t next = head.find("\r\n", at + 2);
    std::string line =
        head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos)
      r.headers[Poco::toLower(line.substr(0, colon))] = Poco::trim(line.substr(colon + 1));
    at = next;
  }
  if (r.headers.count("content-length")) {
    size_t len = static_cast<size_t>(Poco::NumberParser::parse64(r.headers["content-length"]));
    while (_buf.size() < len)
      if (!fill()) break;
    r.body = _buf.substr(0, len);
    _buf.erase(0, std::min(len, _buf.size()));
  } else {
    while (fill()) {
    }
    r.body = _buf;
    _buf.clear();
  }
  return r;
}

bool RawHttp::closedWithin(int timeoutMs) {
  _socket.setReceiveTimeout(Poco::Timespan(static_cast<long>(timeoutMs) * 1000));
  char buf[4096];
  try {
    while (true) {
      int n = _socket.receiveBytes(buf, sizeof buf);
      if (n <= 0) return true;
    }
  } catch (const Poco::TimeoutException&) {
    return false;
  } catch (const Poco::Exception&) {
    return true;  // reset
  }
}

HttpResponse RawHttp::exchange(int port, const std::string& bytes, int timeoutMs) {
  RawHttp c(port, timeoutMs);
  c.send(bytes);
  return c.read();
}

}  // namespace keywarden::test
