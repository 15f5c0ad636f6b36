#pragma once

#include <string>
#include <vector>

namespace keywarden::web {

// How the web pages meet the network (contract §7): the SSO proxy's header and the addresses
// it is believed from, and the origin that links and cookies are for.
struct WebSettings {
  std::string publicBaseUrl = "http://127.0.0.1:8080";  // https: cookies are Secure
  std::string templatesDir = "templates";               // pages/portal/*.mustache, keywarden.css
  std::string trustedHeader;  // portal.trustedHeader: holds the signed-in e-mail; "" = off
  // portal.trustedProxies: exact IP addresses whose trustedHeader is believed (nothing else:
  // who a client is comes from api/ClientSource, abuse.trustedProxies)
  std::vector<std::string> trustedProxies;
  std::string defaultLanguage = "en";  // mail.defaultLanguage: pages with no better choice
};

}  // namespace keywarden::web
