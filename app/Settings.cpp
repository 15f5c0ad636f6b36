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
#include <map>
#include <vector>

#include "api/HeaderFields.h"
#include "api/HttpSyntax.h"
#include "app/SettingsSource.h"
#include "engine/base/Duration.h"
#include "engine/crypto/KeyCodec.h"
#include "engine/text/Utf8.h"
#include "engine/text/Validation.h"
#include "mail/MimeEncoding.h"

extern char** environ;

namespace keywarden::app {

using namespace settings;  // Source and the section readers (app/SettingsSource.h)

std::string SettingsError::oneLine(std::string line) {
  bool utf8 = engine::Utf8::valid(line);
  for (char& c : line) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || (u >= 0x80 && !utf8)) c = '?';
  }
  return line;
}

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

// Throws when one setting is given twice in the properties file `path`: Poco keeps the last one
// silently, so `gateway.requireToken = true` near the top could be undone by a line further
// down. Reads the file as Poco 1.11's PropertyFileConfiguration does: '#' and '!' comment lines,
// a key up to '=' or ':', trimmed, and a value in which a backslash escapes the next character
// (a line break too, which continues the value on the next line).
void refuseRepeatedKeys(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<std::string, size_t> seen;  // key -> line it was first given on
  size_t i = 0, line = 1;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      line += text[i++] == '\n';
    if (i >= text.size()) break;
    const size_t keyLine = line;
    const bool comment = text[i] == '#' || text[i] == '!';
    size_t k = i;
    while (i < text.size() && text[i] != '=' && text[i] != ':' && text[i] != '\r' &&
           text[i] != '\n')
      ++i;
    std::string key = Poco::trim(text.substr(k, i - k));
    if (!comment && i < text.size() && (text[i] == '=' || text[i] == ':'))
      for (++i; i < text.size() && text[i] != '\r' && text[i] != '\n'; ++i)
        if (text[i] == '\\' && i + 1 < text.size()) {
          if (text[i + 1] == '\r' && i + 2 < text.size() && text[i + 2] == '\n') ++i;
          line += text[++i] == '\n';
        }
    if (comment) {
      while (i < text.size() && text[i] != '\r' && text[i] != '\n') ++i;
      continue;
    }
    auto [at, fresh] = seen.emplace(key, keyLine);
    if (!fresh)
      throw SettingsError(path + ": setting '" + key + "' is given twice (lines " +
                          std::to_string(at->second) + " and " + std::to_string(keyLine) +
                          "): keep one");
  }
}

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
    refuseRepeatedKeys(path);
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

// log.level and log.format.
void readLog(const Source& s, Settings& st) {
  s.str("log.level", st.logLevel);
  static const std::vector<std::string> levels = {"fatal",  "critical",    "error", "warning",
                                                  "notice", "information", "debug", "trace"};
  if (std::find(levels.begin(), levels.end(), st.logLevel) == levels.end())
    s.fail("log.level",
           "'" + st.logLevel + "' is not one of error, warning, notice, information, debug");
  s.str("log.format", st.logFormat);
  if (st.logFormat != "text" && st.logFormat != "json")
    s.fail("log.format", "'" + st.logFormat + "' is not text or json");
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

Settings Settings::load(const std::string& file) {
  Source s = gather(file);
  Settings st;
  readHttp(s, st);
  readStore(s, st);
  s.str("secret", st.secret);
  if (s.has("secret") && st.secret.size() < 32) s.fail("secret", "must be at least 32 bytes long");
  s.str("bootstrap.adminToken", st.bootstrapAdminToken);
  if (s.has("bootstrap.adminToken") && st.bootstrapAdminToken.size() < 24)
    s.fail("bootstrap.adminToken", "must be at least 24 characters long");
  readSmtp(s, st);
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
  // Access tokens start with kwt_: keys of that prefix could not be told from them (the gateway
  // token may come as Authorization: Bearer beside the key).
  if (st.keysPrefix == "kwt")
    s.fail("keys.prefix", "'kwt' is the prefix of access tokens: choose another");
  readGateway(s, st);
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
  // The client-address header tells the gate who calls: a key read from it would do both.
  for (const auto& k : st.gateway.keySources)
    if (k.kind == api::GatewaySettings::KeySource::Header &&
        api::HeaderFields::cgiNameIs(k.name, st.abuseClientAddressHeader))
      s.fail("gateway.keyHeaders", "'" + k.name +
                                       "' is abuse.clientAddressHeader, the header the gate "
                                       "reads for the caller's address");
  readLog(s, st);
  return st;
}

void Settings::requireServeSecrets() const {
  if (secret.empty())
    throw SettingsError(
        "setting secret: required (set KEYWARDEN_SECRET to at least 32 random bytes; "
        "`make run` makes one for the demo)");
}

}  // namespace keywarden::app
