#include "api/PageSecurity.h"

namespace keywarden::api {

const PageSecurity::Field* PageSecurity::fields() {
  static const Field kFields[kCount] = {
      {"Cache-Control", "no-store"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Content-Security-Policy",
       "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'"}};
  return kFields;
}

void PageSecurity::set(Poco::Net::HTTPServerResponse& res) {
  for (size_t i = 0; i < kCount; ++i) res.set(fields()[i].name, fields()[i].value);
}

}  // namespace keywarden::api
