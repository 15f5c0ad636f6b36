#pragma once
// The admin console's test fixture: a real server whose portal.admins holds a global admin
// (root@ops.example) and a tenant admin (ten@acme.example:acme); people are signed in through
// portal.trustedHeader from 127.0.0.1 (a trusted proxy), so each browser holds a real session
// cookie and the CSRF token its pages carry.
#include <map>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/Fixture.h"

namespace keywarden::test {

// A browser: one signed-in person, their session cookie and the last page's CSRF token.
struct Browser {
  ServerProcess& server;
  std::string email;
  std::string cookie;
  std::string csrf;
  std::string language = "";  // Accept-Language, when set

  std::vector<std::pair<std::string, std::string>> headers() const {
    std::vector<std::pair<std::string, std::string>> h = {{"X-Email", email}};
    if (!language.empty()) h.emplace_back("Accept-Language", language);
    if (!cookie.empty()) h.emplace_back("Cookie", "kw_session=" + cookie);
    return h;
  }
  void remember(const HttpResponse& r) {
    std::smatch m;
    std::string set = r.header("set-cookie");
    if (std::regex_search(set, m, std::regex("kw_session=([A-Za-z0-9]+)"))) cookie = m[1];
    if (std::regex_search(r.body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\"")))
      csrf = m[1];
  }
  HttpResponse get(const std::string& path) {
    HttpResponse r = server.client().request("GET", path, "", headers(), "");
    remember(r);
    return r;
  }
  // POSTs `form` (url-encoded by the caller) with this browser's CSRF token unless `token`.
  HttpResponse post(const std::string& path, const std::string& form,
                    const std::string* token = nullptr) {
    std::string body = "csrf=" + (token ? *token : csrf) + (form.empty() ? "" : "&" + form);
    HttpResponse r =
        server.client().request("POST", path, body, headers(), "application/x-www-form-urlencoded");
    remember(r);
    return r;
  }
};

inline bool has(const std::string& body, const std::string& part) {
  return body.find(part) != std::string::npos;
}

class ConsoleFixture : public Fixture {
 public:
  std::map<std::string, std::string> settings() override {
    return {{"portal.admins", "root@ops.example,ten@acme.example:acme"},
            {"portal.requesterDomains", "dev.example"},
            {"portal.trustedHeader", "X-Email"},
            {"portal.trustedProxies", "127.0.0.1"}};
  }

  Browser browser(const std::string& email) {
    Browser b{*server, email, "", ""};
    b.get("/");
    return b;
  }
};

}  // namespace keywarden::test
