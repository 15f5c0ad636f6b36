// libFuzzer target: each endpoint's JSON request-body decoder, through the real HttpApi (the
// handler reads the body with api::BodyReader into an engine command, which the engine then
// carries out on a real SQLite store). The first byte picks the endpoint, the rest is the
// body, sent as an admin would (Content-Type application/json, a valid admin token).
// Invariant (README "Every bad input gets a clear error"): the answer is never a 5xx, and a
// 4xx carries the JSON error object with its code.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/FuzzServer.h"

using namespace keywarden;

namespace {
struct Endpoint {
  const char* method;
  std::string path;  // "{key}" stands for the server's key id
};

const std::vector<Endpoint>& endpoints() {
  static const std::vector<Endpoint> kAll = {
      {"POST", "/v1/clients"},
      {"PATCH", "/v1/clients/c1"},
      {"POST", "/v1/apis"},
      {"PATCH", "/v1/apis/orders"},
      {"POST", "/v1/groups"},
      {"PATCH", "/v1/groups/g1"},
      {"POST", "/v1/keys"},
      {"POST", "/v1/keys/{key}/rotate"},
      {"POST", "/v1/keys/{key}/disable"},
      {"POST", "/v1/keys/{key}/enable"},
      {"POST", "/v1/tenants/default/apiKeys"},
      {"POST", "/v1/applications"},
      {"POST", "/v1/applications/app_1/withdraw"},
      {"POST", "/v1/applications/app_1/resubmit"},
      {"POST", "/v1/applications/app_1/decisions"},
      {"POST", "/v1/applications/app_1/remind"},
      {"POST", "/v1/tokens"},
      {"POST", "/v1/keys/verify"},
      {"POST", "/v1/mail/m_1/resend"},
      {"POST", "/v1/mail/m_1/discard"},
  };
  return kAll;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  fuzz::FuzzServer& s = fuzz::FuzzServer::get();
  const Endpoint& e = endpoints()[data[0] % endpoints().size()];
  std::string path = e.path;
  if (size_t at = path.find("{key}"); at != std::string::npos) path.replace(at, 5, s.keyId);
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string answer;
  int status = s.admin(e.method, path, body, answer);
  if (status >= 500 || status < 200) std::abort();
  if (status >= 400) {
    try {
      Poco::JSON::Parser parser;
      auto o = parser.parse(answer).extract<Poco::JSON::Object::Ptr>();
      auto err = o->getObject("error");
      if (!err || err->getValue<std::string>("code").empty()) std::abort();
    } catch (const Poco::Exception&) {
      std::abort();
    }
  }
  return 0;
}
