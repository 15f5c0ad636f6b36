#include "api/GatewaySettings.h"

#include <Poco/Ascii.h>
#include <Poco/String.h>

#include <set>

#include "api/HttpSyntax.h"

namespace keywarden::api {

namespace {
// Header names the gate reads for the request itself (its framing, the original method and
// path, who calls, the gateway token) or writes: a key looked for there would be judged from
// a value that means something else to the gate or the upstream. '_' counts as '-', as the
// gate and PHP/WSGI/Rack read it.
bool readForTheRequest(std::string name) {
  for (char& c : name) c = c == '_' ? '-' : static_cast<char>(Poco::Ascii::toLower(c));
  for (const char* prefix : {"x-original-", "x-forwarded-", "x-keywarden-"})
    if (name.rfind(prefix, 0) == 0) return true;
  for (const char* exact :
       {"host", "content-length", "content-type", "transfer-encoding", "connection", "cookie",
        "authorization", "forwarded", "x-real-ip", "x-request-id", "x-gateway-token",
        "x-http-method", "x-http-method-override", "x-method-override", "x-rewrite-url"})
    if (name == exact) return true;
  return false;
}

bool headerName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!HttpSyntax::isTokenChar(static_cast<unsigned char>(c))) return false;
  return true;
}
}  // namespace

bool GatewaySettings::parseSources(const std::string& text, std::vector<KeySource>& out,
                                   std::string& why) {
  out.clear();
  std::set<std::string> seen;  // kind and name of each place, to refuse one listed twice
  size_t from = 0;
  for (bool last = false; !last;) {
    size_t comma = text.find(',', from);
    last = comma == std::string::npos;
    std::string item = Poco::trim(text.substr(from, last ? std::string::npos : comma - from));
    from = comma + 1;
    if (item.empty()) {
      why = "holds an empty item (two commas in a row, or one at an end)";
      return false;
    }
    auto colon = item.find(':');
    std::string kind = Poco::toLower(item.substr(0, colon));
    std::string name = colon == std::string::npos ? "" : Poco::trim(item.substr(colon + 1));
    KeySource source{KeySource::Header, ""};
    if (colon == std::string::npos && kind == "bearer") {
      source = {KeySource::Bearer, "Authorization"};
    } else if (colon == std::string::npos || (kind == "header" && !name.empty())) {
      if (colon == std::string::npos) name = item;
      if (!headerName(name)) {
        why = "'" + item + "' is not a header name";
        return false;
      }
      if (readForTheRequest(name)) {
        why = "'" + name +
              "' is a header the gate reads for the request itself (its framing, the original "
              "method or path, the caller, the gateway token); use bearer for Authorization "
              "and cookie:NAME for a cookie";
        return false;
      }
      source = {KeySource::Header, name};
    } else if ((kind == "cookie" || kind == "query") && !name.empty()) {
      source = {kind == "cookie" ? KeySource::Cookie : KeySource::Query, name};
    } else {
      why = "'" + item + "' is not NAME, cookie:NAME, query:NAME or bearer";
      return false;
    }
    std::string id = std::to_string(static_cast<int>(source.kind)) + ":" +
                     (source.kind == KeySource::Header ? Poco::toLower(source.name) : source.name);
    if (source.kind == KeySource::Header)
      for (char& c : id)
        if (c == '_') c = '-';
    if (!seen.insert(id).second) {
      why = "'" + item + "' is listed twice";
      return false;
    }
    out.push_back(source);
  }
  return true;
}

}  // namespace keywarden::api
