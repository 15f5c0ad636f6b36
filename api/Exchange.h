#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/BodyReader.h"
#include "api/HeaderFields.h"
#include "engine/base/Error.h"
#include "engine/model/AccessToken.h"

namespace keywarden::api {

// One request and its response, as the handlers see it.
class Exchange {
 public:
  Exchange(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res, size_t maxBody);

  Poco::Net::HTTPServerRequest& request() { return _req; }
  Poco::Net::HTTPServerResponse& response() { return _res; }
  const std::string& path() const { return _path; }
  const std::string& method() const { return _req.getMethod(); }

  // Path parameters bound by the router.
  std::vector<std::pair<std::string, std::string>>& params() { return _params; }
  const std::string& param(const std::string& name) const;
  // A query parameter ("" when absent). After a successful queryOnly(), the strictly parsed
  // value; otherwise a lenient read (for the gateway paths, whose query is the upstream's).
  std::string query(const std::string& name) const;
  // The lenient read of query(): parameter `name` of the raw query string `query` (after the
  // '?'), decoded as Poco::URI decodes it; "" when absent or unreadable.
  static std::string lenientQuery(const std::string& query, const std::string& name);
  // The refusal of a body that ended (or stopped arriving within http.bodyTimeout) after `got`
  // of the `length` bytes its Content-Length announced.
  static engine::Error shortBodyError(size_t got, int64_t length);
  // The refusal of a JSON body of `size` bytes sent with the request's `fields`, or nullopt:
  // 400 BAD_HEADER naming Content-Type when it is given twice (even with an empty body); 415
  // UNSUPPORTED_MEDIA_TYPE naming Content-Type unless it is application/json whose
  // parameters name no charset or charset=utf-8 (any case, once). An empty body needs no type.
  static std::optional<engine::Error> mediaTypeError(size_t size, HeaderFields fields);
  // Parses the query string strictly and keeps it for query(). Refused (400, naming the
  // parameter): a name not in `allowed` (UNKNOWN_FIELD), a parameter given twice, without a
  // value or with an empty one, a '%' not followed by two hex digits, a value that decodes to
  // something other than UTF-8 text without control characters. '+' reads as a space
  // (application/x-www-form-urlencoded). Returns the first problem, or nullopt.
  std::optional<engine::Error> queryOnly(std::initializer_list<const char*> allowed);

  // The request body as JSON. On 413/415/400 it answers the request itself and returns nullopt.
  std::optional<BodyReader> json(bool allowEmpty);

  void sendJson(int status, const std::string& body);
  void sendText(int status, const std::string& contentType, const std::string& body);
  void sendError(const engine::Error& e);
  void sendEmpty(int status);
  int status() const { return _status; }

  // Set once the caller's token has been checked.
  std::optional<engine::Principal> principal;

 private:
  std::optional<engine::Error> readBody(std::string& out);

  Poco::Net::HTTPServerRequest& _req;
  Poco::Net::HTTPServerResponse& _res;
  const size_t _maxBody;
  std::string _path;
  std::string _query;
  std::vector<std::pair<std::string, std::string>> _params;
  std::optional<std::vector<std::pair<std::string, std::string>>> _queryParams;
  int _status = 0;
};

}  // namespace keywarden::api
