// libFuzzer target: the web portal's secrets a stranger can present — a mailed sign-in link's
// token (engine::portal::PortalService::viewSignin, completeSignin), a session cookie (resume,
// and the Cookie header as web::Portal reads it) and a form's CSRF token (csrfValid) — on the
// real service and pages (FuzzServer). The approver link tokens are KeyAndLinkFuzz's.
// First byte: what to try; the rest: the value. Invariants: a guess is never valid (no link,
// no session, no CSRF pass), an unknown cookie is reported unknown, a page asked with a guessed
// cookie redirects to sign-in, a guessed link's page is not a success; nothing throws.
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz/FuzzServer.h"

using namespace keywarden;
using engine::portal::PortalService;

namespace {
std::string percentEncoded(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  fuzz::FuzzServer& s = fuzz::FuzzServer::get({{"portal.requesterDomains", "dev.example"}});
  PortalService& portal = *s.wiring->portal;
  std::string value(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string answer;
  switch (data[0] % 5) {
    case 0: {
      if (portal.viewSignin(value) == PortalService::LinkState::Valid) std::abort();
      PortalService::LinkState why;
      if (portal.completeSignin(value, why)) std::abort();
      break;
    }
    case 1: {
      bool unknown = false;
      if (portal.resume(value, &unknown) || !unknown) std::abort();
      break;
    }
    case 2: {
      static const std::string binding(43, 'b');
      if (portal.csrfValid(binding, value)) std::abort();
      (void)portal.csrfValid(value, portal.csrfToken(binding));
      break;
    }
    case 3: {
      if (value.empty()) break;
      int status = s.call("GET", "/signin/" + percentEncoded(value), "", {}, answer);
      if (status == 200 || status >= 500) std::abort();
      break;
    }
    case 4: {
      int status = s.call("GET", "/keys", "", {{"Cookie", value}}, answer);
      if (status != 303) std::abort();
      break;
    }
  }
  return 0;
}
