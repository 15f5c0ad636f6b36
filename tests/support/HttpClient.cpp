#include "tests/support/HttpClient.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

namespace keywarden::test {

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(Poco::toLower(name));
  return it == headers.end() ? "" : it->second;
}

Poco::JSON::Object::Ptr HttpResponse::json() const {
  Poco::JSON::Parser p;
  return p.parse(body).extract<Poco::JSON::Object::Ptr>();
}

std::string HttpResponse::errorCode() const {
  try {
    auto e = json()->getObject("error");
    return e ? e->getValue<std::string>("code") : "";
  } catch (...) {
    return "";
  }
}

namespace {
// With KW_OPENAPI_RECORD=FILE, every answer this process receives is appended to FILE as one
// JSON line (the file is emptied on the first one): tests/openapi/check_responses.py then checks
// each against docs/openapi.json (ctest openapi_responses).
void record(const std::string& method, const std::string& path, const HttpResponse& r) {
  static const char* file = std::getenv("KW_OPENAPI_RECORD");
  if (!file || !*file) return;
  static std::mutex m;
  static bool first = true;
  Poco::JSON::Object line;
  line.set("method", method);
  line.set("path", path);
  line.set("status", r.status);
  line.set("contentType", r.header("Content-Type"));
  if (r.body.size() > 65536)
    line.set("body", Poco::Dynamic::Var());  // null: too long to keep
  else
    line.set("body", r.body);
  std::lock_guard<std::mutex> lock(m);
  std::ofstream out(file, first ? std::ios::trunc : std::ios::app);
  first = false;
  line.stringify(out);
  out << "\n";
}
}  // namespace

HttpResponse HttpClient::request(const std::string& method, const std::string& path,
                                 const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& contentType) const {
  Poco::Net::HTTPClientSession session(_host, static_cast<Poco::UInt16>(_port));
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : headers) req.add(k, v);
  if (!body.empty()) {
    if (!contentType.empty()) req.setContentType(contentType);
    req.setContentLength(static_cast<std::streamsize>(body.size()));
  } else if (method == "POST" || method == "PATCH" || method == "PUT") {
    req.setContentLength(0);
  }
  session.sendRequest(req) << body;
  Poco::Net::HTTPResponse res;
  std::istream& in = session.receiveResponse(res);
  HttpResponse out;
  out.status = res.getStatus();
  for (const auto& [k, v] : res) out.headers[Poco::toLower(k)] = v;
  std::ostringstream s;
  Poco::StreamCopier::copyStream(in, s);
  out.body = s.str();
  record(method, path, out);
  return out;
}

HttpResponse HttpClient::call(const std::string& method, const std::string& path,
                              const std::string& token, const std::string& body) const {
  std::vector<std::pair<std::string, std::string>> h;
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  return request(method, path, body, h);
}

}  // namespace keywarden::test
