#include "api/PageSecurity.h"

namespace keywarden::api {

void PageSecurity::set(Poco::Net::HTTPServerResponse& res) {
  res.set("Cache-Control", "no-store");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Security-Policy",
          "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
          "frame-ancestors 'none'; base-uri 'none'");
}

}  // namespace keywarden::api
