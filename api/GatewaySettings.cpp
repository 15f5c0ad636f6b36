#include "api/GatewaySettings.h"

#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

namespace keywarden::api {

bool GatewaySettings::parseSources(const std::string& text, std::vector<KeySource>& out,
                                   std::string& why) {
  out.clear();
  Poco::StringTokenizer t(
      text, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  for (const auto& item : t) {
    auto colon = item.find(':');
    std::string kind = Poco::toLower(item.substr(0, colon));
    std::string name = colon == std::string::npos ? "" : Poco::trim(item.substr(colon + 1));
    if (colon == std::string::npos && kind == "bearer") {
      out.push_back({KeySource::Bearer, "Authorization"});
    } else if (colon == std::string::npos) {
      if (item.find_first_of(" \t()<>@,;\\\"/[]?={}") != std::string::npos) {
        why = "'" + item + "' is not a header name";
        return false;
      }
      out.push_back({KeySource::Header, item});
    } else if ((kind == "cookie" || kind == "query") && !name.empty()) {
      out.push_back({kind == "cookie" ? KeySource::Cookie : KeySource::Query, name});
    } else if (kind == "header" && !name.empty()) {
      out.push_back({KeySource::Header, name});
    } else {
      why = "'" + item + "' is not NAME, cookie:NAME, query:NAME or bearer";
      return false;
    }
  }
  if (out.empty()) {
    why = "names no place to look for a key";
    return false;
  }
  return true;
}

}  // namespace keywarden::api
