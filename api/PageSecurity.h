#pragma once

#include <Poco/Net/HTTPServerResponse.h>

namespace keywarden::api {

// The headers every HTML page sends (approver link pages, web/ pages; contract §7): no caching,
// no referrer, no framing (X-Frame-Options and CSP frame-ancestors 'none'), no MIME sniffing,
// and a Content-Security-Policy without inline script or style — the only stylesheet is
// /static/keywarden.css. Stateless; thread-safe.
class PageSecurity {
 public:
  static void set(Poco::Net::HTTPServerResponse& res);
};

}  // namespace keywarden::api
