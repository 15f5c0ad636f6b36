#pragma once

#include <Poco/Net/StreamSocket.h>

#include <string>

#include "tests/support/HttpClient.h"

namespace keywarden::test {

// Bytes on a socket, for requests HttpClient (Poco) would refuse to send: bad framing,
// oversized headers, trickled or unfinished requests.
class RawHttp {
 public:
  // Connects to 127.0.0.1:port; every read waits at most `timeoutMs`.
  RawHttp(int port, int timeoutMs = 10000);

  void send(const std::string& bytes);
  // Reads one response: status line, headers, and the body by its Content-Length (or up to the
  // close). Status 0 when the connection closed (or timed out) before a status line arrived.
  HttpResponse read();
  // True when the server has closed the connection (the next read sees its end) within
  // `timeoutMs`.
  bool closedWithin(int timeoutMs);
  Poco::Net::StreamSocket& socket() { return _socket; }

  // Connects, sends `bytes`, reads one response.
  static HttpResponse exchange(int port, const std::string& bytes, int timeoutMs = 10000);

 private:
  bool fill();  // reads more into _buf; false at the end of the stream or on a timeout
  Poco::Net::StreamSocket _socket;
  std::string _buf;
};

}  // namespace keywarden::test
