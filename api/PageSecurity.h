#pragma once

#include <Poco/Net/HTTPServerResponse.h>

namespace keywarden::api {

// The headers every HTML page sends (approver link pages, web/ pages; contract §7): no caching,
// no referrer, no framing (X-Frame-Options and CSP frame-ancestors 'none'), no MIME sniffing,
// and a Content-Security-Policy without inline script or style — the only stylesheet is
// /static/keywarden.css. Stateless; thread-safe.
class PageSecurity {
 public:
  struct Field {
    const char* name;
    const char* value;
  };
  // The headers, name and value (static strings); answers written without Poco (the gateway
  // listener's refusals) send the same.
  static constexpr size_t kCount = 5;
  static const Field* fields();
  static void set(Poco::Net::HTTPServerResponse& res);
};

}  // namespace keywarden::api
