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
  // gateway.cacheSeconds: the longest max-age a forward-auth answer may carry (0: every answer
  // is no-store). Only a VALID answer about a key without rate limit or quota is cacheable,
  // and never beyond the key's expiry or scheduled revocation.
  int cacheSeconds = 0;
  // gateway.storeLookupsPerSecond: on a miss for a well-formed key, look it up in the store at
  // most this often (PostgreSQL only: several instances; 0 = never).
  int storeLookupsPerSecond = 50;

  // Parses `gateway.keyHeaders` ("X-API-Key,cookie:mia_client_key,bearer,query:k").
  // Returns false and sets `why` on a bad entry: an empty item, a header name that is not a
  // token, a header the gate reads for the request itself (Host, Content-*, Authorization —
  // use bearer —, Cookie — use cookie:NAME —, X-Original-*, X-Forwarded-*, Forwarded,
  // X-Real-IP, the method-override and rewrite headers, X-Request-Id, X-Gateway-Token,
  // X-Keywarden-*; '_' read as '-'), or a place listed twice.
  static bool parseSources(const std::string& text, std::vector<KeySource>& out, std::string& why);
};

}  // namespace keywarden::api
