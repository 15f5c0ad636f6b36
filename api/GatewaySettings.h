#pragma once

#include <string>
#include <vector>

namespace keywarden::api {

// Where the forward-auth adapter looks for a presented key, and how it answers.
struct GatewaySettings {
  struct KeySource {
    enum Kind { Header, Cookie, Query, Bearer } kind;
    std::string name;
  };
  std::vector<KeySource> keySources;
  bool requireToken = false;
  int rateLimitStatus = 403;

  // Parses `gateway.keyHeaders` ("X-API-Key,cookie:mia_client_key,bearer,query:k").
  // Returns false and sets `why` on a bad entry.
  static bool parseSources(const std::string& text, std::vector<KeySource>& out, std::string& why);
};

}  // namespace keywarden::api
