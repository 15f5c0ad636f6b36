#include "app/Settings.h"

#include <Poco/AutoPtr.h>
#include <Poco/Environment.h>
#include <Poco/File.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <iterator>
#include <vector>

#include "api/HttpSyntax.h"
#include "engine/base/Duration.h"
#include "engine/crypto/KeyCodec.h"
#include "engine/text/Validation.h"
#include "mail/MimeEncoding.h"

extern char** environ;

namespace keywarden::app {

namespace {
const char* kDefaultFile = "config/keywarden.properties";

const std::vector<std::string> kKeys = {"http.address",
                                        "http.port",
                                        "http.threads",
                                        "http.maxQueued",
                                        "http.keepAliveTimeout",
                                        "http.headerTimeout",
                                        "http.bodyTimeout",
                                        "http.maxBodyBytes",
                                        "https.port",
                                        "https.certificate",
                                        "https.privateKey",
                                        "public.baseUrl",
                                        "db.connector",
                                        "db.connection",
                                        "db.poolSize",
                                        "db.synchronous",
                                        "db.busyTimeout",
                                        "secret",
                                        "bootstrap.adminToken",
                                        "smtp.host",
                                        "smtp.port",
                                        "smtp.user",
                                        "smtp.password",
                                        "smtp.starttls",
                                        "smtp.from",
                                        "smtp.fromName",
                                        "smtp.caFile",
                                        "smtp.heloName",
                                        "smtp.retryMax",
                                        "smtp.giveUpAfter",
                                        "smtp.connections",
                                        "workflows.dir",
                                        "templates.dir",
                                        "mail.defaultLanguage",
                                        "keys.prefix",
                                        "gateway.keyHeaders",
                                        "gateway.requireToken",
                                        "gateway.rateLimitStatus",
                                        "gateway.port",
                                        "gateway.address",
                                        "gateway.loops",
                                        "gateway.cacheSeconds",
                                        "gateway.storeLookupsPerSecond",
                                        "keys.expiryReminder",
                                        "approvals.linkLifetime",
                                        "quota.leaseBlock",
                                        "usage.flushInterval",
                                        "cluster.pollInterval",
                                        "log.level",
                                        "log.format",
                                        "retention.keys",
                                        "retention.applications",
                                        "retention.usage",
                                        "approvals.digestHour",
                                        "portal.requesterDomains",
                                        "portal.admins",
                                        "portal.signinLifetime",
                                        "portal.sessionIdle",
                                        "portal.sessionMax",
                                        "portal.trustedHeader",
                                        "portal.trustedProxies",
                                        "abuse.trustedProxies",
                                        "abuse.clientAddressHeader",
                                        "abuse.sourceFailures",
                                        "abuse.sourceWindow",
                                        "abuse.prefixFailures",
                                        "abuse.prefixWindow",
                                        "abuse.linkFailures",
                                        "abuse.linkWindow",
                                        "abuse.blockFor",
                                        "abuse.tableSize"};

// Where a value came from, so an error can say which file or variable to fix.
struct Source {
  std::map<std::string, std::string> values;
  std::map<std::string, std::string> origin;

  bool has(const std::string& k) const { return values.count(k) != 0; }
  [[noreturn]] void fail(const std::string& k, const std::string& why) const {
    auto it = origin.find(k);
    throw SettingsError("setting " + k + (it != origin.end() ? " (" + it->second + ")" : "") +
                        ": " + why);
  }
  void str(const std::string& k, std::string& out) const {
    if (has(k)) out = values.at(k);
  }
  void integer(const std::string& k, int64_t& out, int64_t min, int64_t max) const {
    if (!has(k)) return;
    Poco::Int64 v;
    if (!Poco::NumberParser::tryParse64(Poco::trim(values.at(k)), v))
      fail(k, "'" + values.at(k) + "' is not a whole number");
    if (v < min || v > max)
      fail(k,
           std::to_string(v) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    out = v;
  }
  void integer(const std::string& k, int& out, int64_t min, int64_t max) const {
    int64_t v = out;
    integer(k, v, min, max);
    out = static_cast<int>(v);
  }
  void boolean(const std::string& k, bool& out) const {
    if (!has(k)) return;
    std::string v = Poco::toLower(Poco::trim(values.at(k)));
    if (v == "true" || v == "yes" || v == "1")
      out = true;
    else if (v == "false" || v == "no" || v == "0")
      out = false;
    else
      fail(k, "'" + values.at(k) + "' is not true or false");
  }
  void duration(const std::string& k, int64_t& out) const {
    if (!has(k)) return;
    auto ms = engine::Duration::parseMs(Poco::trim(values.at(k)));
    if (!ms) fail(k, "'" + values.at(k) + "' is not a duration such as 90s, 15m, 48h or 7d");
    out = *ms;
  }
};

Source gather(const std::string& file) {
  Source s;
  std::string path = file.empty() ? kDefaultFile : file;
  if (Poco::File(path).exists()) {
    Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> cfg;
    try {
      cfg = new Poco::Util::PropertyFileConfiguration(path);
    } catch (const Poco::Exception& e) {
      throw SettingsError(path + ": cannot be read: " + e.displayText());
    }
    std::function<void(const std::string&)> walk = [&](const std::string& prefix) {
      Poco::Util::AbstractConfiguration::Keys keys;
      cfg->keys(prefix, keys);
      for (const auto& k : keys) {
        // ".a", "a..b", "a." hold an empty part: Poco lists it as "", which would walk the
        // same prefix again forever (found by fuzz/SettingsFuzz).
        if (k.empty())
          throw SettingsError(path + ": a setting name has an empty part (a leading, doubled or " +
                              "trailing '.')" + (prefix.empty() ? "" : " after '" + prefix + "'"));
        std::string full = prefix.empty() ? k : prefix + "." + k;
        if (cfg->hasProperty(full)) {
          if (std::find(kKeys.begin(), kKeys.end(), full) == kKeys.end())
            throw SettingsError(path + ": unknown setting '" + full + "'");
          s.values[full] = cfg->getRawString(full);
          s.origin[full] = path;
        }
        walk(full);
      }
    };
    walk("");
  } else if (!file.empty()) {
    throw SettingsError("--config " + file + ": no such file");
  }
  std::vector<std::string> names;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    names.push_back(entry.substr(0, entry.find('=')));
  }
  std::string unknown = Settings::unknownVariable(names);
  if (!unknown.empty()) throw SettingsError(unknown);
  for (const auto& k : kKeys) {
    std::string env = Settings::envName(k);
    if (Poco::Environment::has(env)) {
      s.values[k] = Poco::Environment::get(env);
      s.origin[k] = "environment " + env;
    }
  }
  return s;
}
}  // namespace

std::string Settings::envName(const std::string& key) {
  std::string out = "KEYWARDEN_";
  for (char c : key)
    out.push_back(c == '.' ? '_' : static_cast<char>(toupper(static_cast<unsigned char>(c))));
  return out;
}

namespace {
size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Kubernetes service links of a service named "keywarden" (docs: "Environment variables" of
// Services): KEYWARDEN_SERVICE_HOST, KEYWARDEN_SERVICE_PORT[_NAME], KEYWARDEN_PORT,
// KEYWARDEN_PORT_<n>_<TCP|UDP|SCTP>[_PROTO|_PORT|_ADDR].
bool isServiceLink(const std::string& name) {
  if (name == "KEYWARDEN_PORT" || name == "KEYWARDEN_SERVICE_HOST" ||
      name.rfind("KEYWARDEN_SERVICE_PORT", 0) == 0)
    return true;
  const std::string p = "KEYWARDEN_PORT_";
  if (name.rfind(p, 0) != 0) return false;
  size_t i = p.size();
  size_t digits = i;
  while (i < name.size() && isdigit(static_cast<unsigned char>(name[i]))) ++i;
  if (i == digits || i >= name.size() || name[i] != '_') return false;
  std::string rest = name.substr(i + 1);
  for (const char* proto : {"TCP", "UDP", "SCTP"}) {
    std::string pr(proto);
    if (rest == pr || rest == pr + "_PROTO" || rest == pr + "_PORT" || rest == pr + "_ADDR")
      return true;
  }
  return false;
}
}  // namespace

std::string Settings::unknownVariable(const std::vector<std::string>& environmentNames) {
  for (const auto& name : environmentNames) {
    if (name.rfind("KEYWARDEN_", 0) != 0 || isServiceLink(name)) continue;
    bool known = false;
    std::string closest;
    size_t best = 4;  // suggest only near misses
    for (const auto& k : kKeys) {
      std::string env = envName(k);
      if (env == name) {
        known = true;
        break;
      }
      size_t d = editDistance(name, env);
      if (d < best) {
        best = d;
        closest = env;
      }
    }
    if (known) continue;
    return "environment " + name + ": unknown setting" +
           (closest.empty()
                ? std::string(" (settings are KEYWARDEN_ + the key upper-cased, . as _)")
                : " (did you mean " + closest + "?)");
  }
  return "";
}

namespace {
std::vector<std::string> commaList(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& part : Poco::StringTokenizer(
           text, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY))
    out.push_back(Poco::toLower(part));
  return out;
}

// portal.* (contract §7).
void readPortal(const Source& s, Settings& st) {
  std::string text;
  s.str("portal.requesterDomains", text);
  st.portal.requesterDomains = commaList(text);
  for (const auto& d : st.portal.requesterDomains)
    if (d.front() == '.' || d.back() == '.' || d.find("..") != std::string::npos ||
        !std::all_of(d.begin(), d.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
        }))
      s.fail("portal.requesterDomains", "'" + d + "' is not a domain name such as example.com");
  text.clear();
  s.str("portal.admins", text);
  st.portal.admins.clear();
  for (const auto& entry : commaList(text)) {
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
  for (const auto& a : commaList(text)) {
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
  for (const auto& a : commaList(text)) {
    api::IpNetwork n;
    std::string why;
    if (!api::IpNetwork::parse(a, n, why)) s.fail("abuse.trustedProxies", why);
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
}  // namespace

Settings Settings::load(const std::string& file) {
  Source s = gather(file);
  Settings st;
  s.str("http.address", st.httpAddress);
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
    s.fail("public.baseUrl", "'" + st.publicBaseUrl + "' must start with http:// or https://");
  while (!st.publicBaseUrl.empty() && st.publicBaseUrl.back() == '/') st.publicBaseUrl.pop_back();
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
  s.str("secret", st.secret);
  if (s.has("secret") && st.secret.size() < 32) s.fail("secret", "must be at least 32 bytes long");
  s.str("bootstrap.adminToken", st.bootstrapAdminToken);
  if (s.has("bootstrap.adminToken") && st.bootstrapAdminToken.size() < 24)
    s.fail("bootstrap.adminToken", "must be at least 24 characters long");
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
  s.integer("smtp.connections", st.smtpConnections, 1, 16);
  s.str("workflows.dir", st.workflowsDir);
  s.str("templates.dir", st.templatesDir);
  // The language of mails and pages for people who chose none (checked against the template
  // folders when they are loaded: app/Wiring).
  s.str("mail.defaultLanguage", st.defaultLanguage);
  if (st.defaultLanguage.empty() || st.defaultLanguage.size() > 35 ||
      !std::all_of(st.defaultLanguage.begin(), st.defaultLanguage.end(),
                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }))
    s.fail("mail.defaultLanguage",
           "'" + st.defaultLanguage + "' is not a language tag such as en or zh-TW");
  s.str("keys.prefix", st.keysPrefix);
  if (!engine::KeyCodec::isValidPrefix(st.keysPrefix))
    s.fail("keys.prefix", "'" + st.keysPrefix + "' must be 1-16 characters of a-z and 0-9");
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
  s.str("gateway.address", st.gatewayAddress);
  if (st.gatewayAddress.empty()) st.gatewayAddress = st.httpAddress;
  s.integer("gateway.loops", st.gatewayLoops, 0, 64);
  s.integer("gateway.cacheSeconds", st.gateway.cacheSeconds, 0, 3600);
  s.integer("gateway.storeLookupsPerSecond", st.gateway.storeLookupsPerSecond, 0, 100000);
  s.duration("keys.expiryReminder", st.expiryReminderMs);
  s.duration("approvals.linkLifetime", st.linkLifetimeMs);
  s.integer("quota.leaseBlock", st.quotaLeaseBlock, 1, 1000000);
  s.duration("usage.flushInterval", st.usageFlushMs);
  s.duration("cluster.pollInterval", st.clusterPollMs);
  if (st.clusterPollMs < 10 || st.clusterPollMs > 60000)
    s.fail("cluster.pollInterval", "must be between 10ms and 60s");
  s.duration("retention.keys", st.retentionKeysMs);
  s.duration("retention.applications", st.retentionApplicationsMs);
  s.duration("retention.usage", st.retentionUsageMs);
  if (st.retentionUsageMs < 86400000LL * 31)
    s.fail("retention.usage", "must be at least 31d (hour buckets are kept 30 days)");
  s.integer("approvals.digestHour", st.digestHourUtc, 0, 23);
  readPortal(s, st);
  readAbuse(s, st);
  s.str("log.level", st.logLevel);
  static const std::vector<std::string> levels = {"fatal",  "critical",    "error", "warning",
                                                  "notice", "information", "debug", "trace"};
  if (std::find(levels.begin(), levels.end(), st.logLevel) == levels.end())
    s.fail("log.level",
           "'" + st.logLevel + "' is not one of error, warning, notice, information, debug");
  s.str("log.format", st.logFormat);
  if (st.logFormat != "text" && st.logFormat != "json")
    s.fail("log.format", "'" + st.logFormat + "' is not text or json");
  return st;
}

void Settings::requireServeSecrets() const {
  if (secret.empty())
    throw SettingsError(
        "setting secret: required (set KEYWARDEN_SECRET to at least 32 random bytes; "
        "`make run` makes one for the demo)");
}

}  // namespace keywarden::app
