#pragma once

#include <Poco/JSON/Object.h>

#include <map>
#include <string>
#include <vector>

namespace keywarden::test {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& name) const;
  // The body as a JSON object (throws if it is not one).
  Poco::JSON::Object::Ptr json() const;
  // error.code of an error body ("" if none).
  std::string errorCode() const;
};

// A plain HTTP/1.1 client for tests: one connection per request, nothing cached.
class HttpClient {
 public:
  HttpClient(std::string host, int port) : _host(std::move(host)), _port(port) {}

  HttpResponse request(const std::string& method, const std::string& path,
                       const std::string& body = "",
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       const std::string& contentType = "application/json") const;
  // With `Authorization: Bearer <token>` when `token` is not empty.
  HttpResponse call(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body = "") const;

 private:
  std::string _host;
  int _port;
};

}  // namespace keywarden::test
