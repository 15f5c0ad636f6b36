// The sections of Settings::load, one per group of settings (README "Configuration").
#include <Poco/File.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

#include "api/GatewaySettings.h"
#include "api/HttpSyntax.h"
#include "app/SettingsSource.h"
#include "engine/base/Duration.h"
#include "engine/text/Utf8.h"
#include "engine/text/Validation.h"
#include "mail/MimeEncoding.h"

namespace keywarden::app::settings {

namespace {
// `v` as an error line may quote it: printable ASCII kept, every other byte as '?'.
std::string printable(const std::string& v) {
  std::string out;
  for (char c : v) out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  return out;
}

// public.baseUrl: after the scheme, a host and an optional path (RFC 3986 §3, with UTF-8 as
// RFC 3987 allows), no character a link in a mail would end or break at.
bool linkOrigin(const std::string& url) {
  size_t from = url.find("://") + 3;
  if (!engine::Utf8::valid(url) || engine::Utf8::hasControl(url, false)) return false;
  if (url.find_first_of(" \"<>\\^`{|}?#", from) != std::string::npos) return false;
  size_t hostEnd = url.find('/', from);
  return (hostEnd == std::string::npos ? url.size() : hostEnd) > from;
}

// A listening address: an IP address, or a host name (RFC 1123 labels, not all digits, so that
// 999.1.1.1 is refused here rather than looked up in DNS at start).
bool listenAddress(const std::string& v) {
  Poco::Net::IPAddress ip;
  if (Poco::Net::IPAddress::tryParse(v, ip)) return true;
  if (v.empty() || v.size() > 253) return false;
  bool letter = false;
  size_t label = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '.') {
      if (label == 0 || v[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    if (c == '-' ? label == 0 : !std::isalnum(static_cast<unsigned char>(c))) return false;
    if (++label > 63) return false;
    letter = letter || std::isalpha(static_cast<unsigned char>(c));
  }
  return letter && label > 0 && v.back() != '-';
}

}  // namespace

std::vector<std::string> commaList(const Source& s, const std::string& k, const std::string& text) {
  std::vector<std::string> out;
  if (Poco::trim(text).empty()) return out;
  size_t from = 0;
  for (;;) {
    size_t comma = text.find(',', from);
    std::string item = Poco::trim(text.substr(from, comma - from));
    if (item.empty())
      s.fail(k, "holds an empty item (two commas in a row, or one at an end): '" + printable(text) +
                    "'");
    out.push_back(Poco::toLower(item));
    if (comma == std::string::npos) return out;
    from = comma + 1;
  }
}

// portal.* (contract §7).
void readPortal(const Source& s, Settings& st) {
  std::string text;
  s.str("portal.requesterDomains", text);
  st.portal.requesterDomains = commaList(s, "portal.requesterDomains", text);
  for (const auto& d : st.portal.requesterDomains)
    if (d.front() == '.' || d.back() == '.' || d.find("..") != std::string::npos ||
        !std::all_of(d.begin(), d.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
        }))
      s.fail("portal.requesterDomains", "'" + d + "' is not a domain name such as example.com");
  text.clear();
  s.str("portal.admins", text);
  st.portal.admins.clear();
  for (const auto& entry : commaList(s, "portal.admins", text)) {
    // `address` (admin of every tenant) or `address:tenant` (admin of that tenant only).
    std::string a = entry, tenant;
    if (auto colon = entry.rfind(':'); colon != std::string::npos) {
      a = entry.substr(0, colon);
      tenant = entry.substr(colon + 1);
      if (engine::Validation::tenant("portal.admins", tenant) || tenant.empty())
        s.fail("portal.admins", "'" + entry + "': '" + tenant + "' is not a tenant name");
      st.portal.adminTenants[a] = tenant;
    }
    if (engine::Validation::email("portal.admins", a))
      s.fail("portal.admins", "'" + a + "' is not an e-mail address");
    st.portal.admins.push_back(a);
  }
  s.duration("portal.signinLifetime", st.portal.signinLifetimeMs);
  if (st.portal.signinLifetimeMs < 60000 || st.portal.signinLifetimeMs > 86400000)
    s.fail("portal.signinLifetime", "must be between 1m and 24h");
  s.duration("portal.sessionIdle", st.portal.sessionIdleMs);
  if (st.portal.sessionIdleMs < 60000 || st.portal.sessionIdleMs > 30LL * 86400000)
    s.fail("portal.sessionIdle", "must be between 1m and 30d");
  s.duration("portal.sessionMax", st.portal.sessionMaxMs);
  if (st.portal.sessionMaxMs < 60000 || st.portal.sessionMaxMs > 365LL * 86400000)
    s.fail("portal.sessionMax", "must be between 1m and 365d");
  if (st.portal.sessionMaxMs < st.portal.sessionIdleMs)
    s.fail("portal.sessionMax", "must not be shorter than portal.sessionIdle");
  s.str("portal.trustedHeader", st.portalTrustedHeader);
  st.portalTrustedHeader = Poco::trim(st.portalTrustedHeader);
  for (char c : st.portalTrustedHeader)
    if (!api::HttpSyntax::isTokenChar(static_cast<unsigned char>(c)))
      s.fail("portal.trustedHeader", "'" + st.portalTrustedHeader + "' is not a header name");
  text.clear();
  s.str("portal.trustedProxies", text);
  for (const auto& a : commaList(s, "portal.trustedProxies", text)) {
    Poco::Net::IPAddress ip;
    if (!Poco::Net::IPAddress::tryParse(a, ip))
      s.fail("portal.trustedProxies", "'" + a + "' is not an IP address");
    st.portalTrustedProxies.push_back(ip.toString());
  }
  if (!st.portalTrustedHeader.empty() && st.portalTrustedProxies.empty())
    s.fail("portal.trustedHeader",
           "needs portal.trustedProxies: the header is believed only from those addresses");
}

// The brute-force defence (README "Brute force and abuse").
void readAbuse(const Source& s, Settings& st) {
  std::string text = "127.0.0.0/8,::1";
  s.str("abuse.trustedProxies", text);
  st.abuseTrustedProxies.clear();
  for (const auto& a : commaList(s, "abuse.trustedProxies", text)) {
    api::IpNetwork n;
    std::string why;
    if (!api::IpNetwork::parse(a, n, why)) s.fail("abuse.trustedProxies", why);
    // Trusting every address lets any client name the source its failures count against.
    if (n.bits == 0)
      s.fail("abuse.trustedProxies", "'" + printable(a) +
                                         "' trusts every address, so any client could choose "
                                         "the address its failed attempts count against; list "
                                         "the proxies' own addresses or networks");
    st.abuseTrustedProxies.push_back(n);
  }
  s.str("abuse.clientAddressHeader", st.abuseClientAddressHeader);
  st.abuseClientAddressHeader = Poco::trim(st.abuseClientAddressHeader);
  if (st.abuseClientAddressHeader.empty() ||
      !std::all_of(
          st.abuseClientAddressHeader.begin(), st.abuseClientAddressHeader.end(),
          [](char c) { return api::HttpSyntax::isTokenChar(static_cast<unsigned char>(c)); }))
    s.fail("abuse.clientAddressHeader",
           "'" + st.abuseClientAddressHeader + "' is not a header name such as X-Forwarded-For");
  auto limits = [&](const std::string& name, engine::AttemptTable::Limits& l) {
    s.integer("abuse." + name + "Failures", l.failures, 0, 1000000);
    s.duration("abuse." + name + "Window", l.windowMs);
    if (l.windowMs < 1000 || l.windowMs > 86400000)
      s.fail("abuse." + name + "Window", "must be between 1s and 1d");
  };
  limits("source", st.abuse.source);
  limits("prefix", st.abuse.prefix);
  limits("link", st.abuse.link);
  int64_t block = st.abuse.source.blockMs;
  s.duration("abuse.blockFor", block);
  if (block < 1000 || block > 7LL * 86400000) s.fail("abuse.blockFor", "must be between 1s and 7d");
  st.abuse.source.blockMs = st.abuse.prefix.blockMs = st.abuse.link.blockMs = block;
  int64_t slots = static_cast<int64_t>(st.abuse.slots);
  s.integer("abuse.tableSize", slots, 1024, 1 << 22);
  st.abuse.slots = static_cast<size_t>(slots);
}
// http.*, https.*, public.baseUrl.
void readHttp(const Source& s, Settings& st) {
  s.str("http.address", st.httpAddress);
  if (!listenAddress(st.httpAddress))
    s.fail("http.address",
           "'" + printable(st.httpAddress) + "' is not an IP address or a host name");
  s.integer("http.port", st.httpPort, 0, 65535);
  s.integer("http.threads", st.httpThreads, 2, 4096);
  s.integer("http.maxQueued", st.httpMaxQueued, 1, 1000000);
  s.duration("http.keepAliveTimeout", st.httpKeepAliveMs);
  s.duration("http.headerTimeout", st.httpHeaderTimeoutMs);
  if (st.httpHeaderTimeoutMs < 100 || st.httpHeaderTimeoutMs > 300000)
    s.fail("http.headerTimeout", "must be between 100ms and 5m");
  s.duration("http.bodyTimeout", st.httpBodyTimeoutMs);
  if (st.httpBodyTimeoutMs < 100 || st.httpBodyTimeoutMs > 3600000)
    s.fail("http.bodyTimeout", "must be between 100ms and 1h");
  if (st.httpKeepAliveMs < 100 || st.httpKeepAliveMs > 3600000)
    s.fail("http.keepAliveTimeout", "must be between 100ms and 1h");
  int64_t maxBody = static_cast<int64_t>(st.httpMaxBodyBytes);
  s.integer("http.maxBodyBytes", maxBody, 1024, 64LL << 20);
  st.httpMaxBodyBytes = static_cast<size_t>(maxBody);
  s.integer("https.port", st.httpsPort, 0, 65535);
  if (st.httpsPort != 0 && st.httpsPort == st.httpPort)
    s.fail("https.port", "must differ from http.port");
  s.str("https.certificate", st.httpsCertificate);
  s.str("https.privateKey", st.httpsPrivateKey);
  if (st.httpsPort != 0) {
    for (const char* k : {"https.certificate", "https.privateKey"}) {
      std::string v;
      s.str(k, v);
      if (v.empty()) s.fail(k, "is required when https.port is set");
      if (!Poco::File(v).exists()) s.fail(k, "file '" + v + "' does not exist");
    }
  }
  s.str("public.baseUrl", st.publicBaseUrl);
  if (st.publicBaseUrl.rfind("http://", 0) != 0 && st.publicBaseUrl.rfind("https://", 0) != 0)
    s.fail("public.baseUrl",
           "'" + printable(st.publicBaseUrl) + "' must start with http:// or https://");
  // It is in every link of every mail (the templates' context, JSON text in UTF-8): bytes that
  // are not UTF-8 would make every mail fail to render, a space or quote would break the link.
  if (!linkOrigin(st.publicBaseUrl))
    s.fail("public.baseUrl", "'" + printable(st.publicBaseUrl) +
                                 "' must be an http:// or https:// URL with a host: UTF-8 "
                                 "without spaces, quotes, <, >, \\ or control characters, and "
                                 "without a query or fragment");
  while (!st.publicBaseUrl.empty() && st.publicBaseUrl.back() == '/') st.publicBaseUrl.pop_back();
}

// db.*.
void readStore(const Source& s, Settings& st) {
  s.str("db.connector", st.db.connector);
  if (st.db.connector != "sqlite" && st.db.connector != "postgresql")
    s.fail("db.connector", "'" + st.db.connector + "' is not sqlite or postgresql");
  s.str("db.connection", st.db.connection);
  if (st.db.connection.empty()) s.fail("db.connection", "must not be empty");
  s.integer("db.poolSize", st.db.poolSize, 1, 256);
  s.str("db.synchronous", st.db.synchronous);
  st.db.synchronous = Poco::toUpper(st.db.synchronous);
  if (st.db.synchronous != "FULL" && st.db.synchronous != "NORMAL")
    s.fail("db.synchronous", "must be FULL or NORMAL");
  int64_t busy = st.db.busyTimeoutMs;
  s.duration("db.busyTimeout", busy);
  if (busy < 100 || busy > 600000) s.fail("db.busyTimeout", "must be between 100ms and 10m");
  st.db.busyTimeoutMs = static_cast<int>(busy);
}

// smtp.*.
void readSmtp(const Source& s, Settings& st) {
  s.str("smtp.host", st.smtpHost);
  if (st.smtpHost.empty() || st.smtpHost.find_first_of(" /?#@[]\\%\"<>") != std::string::npos ||
      std::any_of(st.smtpHost.begin(), st.smtpHost.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x21 || c == 0x7F; }))
    s.fail("smtp.host", "'" + st.smtpHost + "' is not a host name or an IP address");
  s.integer("smtp.port", st.smtpPort, 1, 65535);
  s.str("smtp.user", st.smtpUser);
  s.str("smtp.password", st.smtpPassword);
  s.boolean("smtp.starttls", st.smtpStartTls);
  s.str("smtp.from", st.smtpFrom);
  if (!mail::MimeEncoding::isAddress(st.smtpFrom))
    s.fail("smtp.from", "'" + st.smtpFrom + "' is not an e-mail address (local@domain, ASCII)");
  s.str("smtp.fromName", st.smtpFromName);
  if (st.smtpFromName.size() > 200 ||
      mail::MimeEncoding::sanitizeUtf8(st.smtpFromName) != st.smtpFromName ||
      std::any_of(st.smtpFromName.begin(), st.smtpFromName.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }))
    s.fail("smtp.fromName", "must be UTF-8 text of at most 200 bytes without control characters");
  s.str("smtp.caFile", st.smtpCaFile);
  if (!st.smtpCaFile.empty()) {
    std::ifstream ca(st.smtpCaFile);
    if (!ca) s.fail("smtp.caFile", "'" + st.smtpCaFile + "' cannot be read");
    std::string pem((std::istreambuf_iterator<char>(ca)), std::istreambuf_iterator<char>());
    if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      s.fail("smtp.caFile", "'" + st.smtpCaFile + "' holds no PEM certificate");
  }
  s.str("smtp.heloName", st.smtpHeloName);
  if (!st.smtpHeloName.empty() && !mail::MimeEncoding::isGreetingName(st.smtpHeloName))
    s.fail("smtp.heloName", "'" + st.smtpHeloName +
                                "' is not a domain name with a dot or an address literal such "
                                "as [192.0.2.1]");
  s.duration("smtp.retryMax", st.smtpRetryMaxMs);
  s.duration("smtp.giveUpAfter", st.smtpGiveUpMs);
  // Retries start after about a second and double up to smtp.retryMax (mail/OutboxSender).
  if (st.smtpRetryMaxMs < 1000)
    s.fail("smtp.retryMax",
           "must be at least 1s: retries start after about a second, and a "
           "shorter wait would retry the mail server that often");
  if (st.smtpGiveUpMs < st.smtpRetryMaxMs)
    s.fail("smtp.giveUpAfter", "must not be shorter than smtp.retryMax (" +
                                   engine::Duration::format(st.smtpRetryMaxMs) +
                                   "): a mail would be given up before one wait of "
                                   "smtp.retryMax could pass");
  s.integer("smtp.connections", st.smtpConnections, 1, 16);
}

// gateway.*.
void readGateway(const Source& s, Settings& st) {
  std::string headers = "X-API-Key,X-TLM-Key,secret,client-key,apikey,cookie:mia_client_key,bearer",
              why;
  s.str("gateway.keyHeaders", headers);
  if (!api::GatewaySettings::parseSources(headers, st.gateway.keySources, why))
    s.fail("gateway.keyHeaders", why);
  s.boolean("gateway.requireToken", st.gateway.requireToken);
  s.integer("gateway.rateLimitStatus", st.gateway.rateLimitStatus, 0, 999);
  if (st.gateway.rateLimitStatus != 403 && st.gateway.rateLimitStatus != 429)
    s.fail("gateway.rateLimitStatus", "must be 403 or 429");
  s.integer("gateway.port", st.gatewayPort, 0, 65535);
  if (st.gatewayPort != 0 && (st.gatewayPort == st.httpPort || st.gatewayPort == st.httpsPort))
    s.fail("gateway.port", "must differ from http.port and https.port");
  std::string given;
  s.str("gateway.address", given);
  st.gatewayAddress = given.empty() ? st.httpAddress : given;
  Poco::Net::IPAddress ip;  // the listener binds an address, never a name
  if (st.gatewayPort != 0 && !Poco::Net::IPAddress::tryParse(st.gatewayAddress, ip))
    s.fail("gateway.address",
           "'" + printable(st.gatewayAddress) + "' is not an IP address" +
               (given.empty() ? " (gateway.address defaults to http.address)" : ""));
  s.integer("gateway.loops", st.gatewayLoops, 0, 64);
  s.integer("gateway.cacheSeconds", st.gateway.cacheSeconds, 0, 3600);
  s.integer("gateway.storeLookupsPerSecond", st.gateway.storeLookupsPerSecond, 0, 100000);
}

}  // namespace keywarden::app::settings
