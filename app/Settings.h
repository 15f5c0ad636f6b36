#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/GatewaySettings.h"
#include "api/IpAddress.h"
#include "engine/abuse/AbuseGuard.h"
#include "engine/portal/PortalSettings.h"
#include "store/SqlStore.h"

namespace keywarden::app {

// A setting that cannot be used: the message names the key (or file) and the problem, in one line
// of UTF-8 text whatever it quotes: a control character in a quoted value or name (a properties
// file's \n escape, an environment variable) becomes '?', and so does every byte >= 0x80 when
// the line is not UTF-8 (oneLine).
class SettingsError : public std::runtime_error {
 public:
  explicit SettingsError(const std::string& line) : std::runtime_error(oneLine(line)) {}
  static std::string oneLine(std::string line);
};

// Every setting of contract §2 (and a few of our own), read from a properties file with
// KEYWARDEN_* environment overrides, checked once at start-up.
struct Settings {
  std::string httpAddress = "127.0.0.1";
  int httpPort = 8080;
  int httpThreads = 256;
  int httpMaxQueued = 1024;
  int64_t httpKeepAliveMs = 10000;
  int64_t httpHeaderTimeoutMs = 5000;  // accept → complete request line and headers, in total
  int64_t httpBodyTimeoutMs = 10000;   // complete header → complete body, in total
  size_t httpMaxBodyBytes = 1 << 20;
  int httpsPort = 0;
  std::string httpsCertificate, httpsPrivateKey;
  std::string publicBaseUrl = "http://127.0.0.1:8080";
  store::DbSettings db;
  std::string secret;
  std::string bootstrapAdminToken;
  std::string smtpHost = "127.0.0.1";
  int smtpPort = 25;
  std::string smtpUser, smtpPassword, smtpFrom = "keywarden@localhost";
  bool smtpStartTls = false;
  std::string smtpFromName = "Keywarden";  // display name of From
  std::string smtpCaFile, smtpHeloName;    // empty: the system's CAs; this machine's name
  int64_t smtpRetryMaxMs = 300000;
  int64_t smtpGiveUpMs = 2LL * 86400000;
  int smtpConnections = 2;  // SMTP sessions sending in parallel (smtp.connections, 1-16)
  std::string workflowsDir = "workflows", templatesDir = "templates";
  // mail.defaultLanguage: mails and pages for people with no saved language (and pages whose
  // browser asks for none we have): en, or a folder templates/lang/<tag>/.
  std::string defaultLanguage = "en";
  std::string keysPrefix = "kw";
  api::GatewaySettings gateway;
  // The event-driven gateway listener (gateway.port; 0 = off), its address ("" = http.address)
  // and its loops (0 = one per core).
  int gatewayPort = 0;
  std::string gatewayAddress;
  int gatewayLoops = 0;
  int64_t expiryReminderMs = 7LL * 86400000;
  int64_t linkLifetimeMs = 7LL * 86400000;
  int64_t quotaLeaseBlock = 100;
  int64_t usageFlushMs = 1000;
  int64_t clusterPollMs = 250;  // how often the change feed of other instances is read
  int64_t retentionKeysMs = 90LL * 86400000;
  int64_t retentionApplicationsMs = 365LL * 86400000;
  int64_t retentionUsageMs = 365LL * 86400000;  // day buckets of the usage history
  int digestHourUtc = 8;
  std::string logLevel = "information";
  // The web portal (contract §7): portal.requesterDomains, portal.admins, portal.signinLifetime,
  // portal.sessionIdle, portal.sessionMax; portal.trustedHeader and portal.trustedProxies.
  engine::portal::PortalSettings portal;
  std::string portalTrustedHeader;
  std::vector<std::string> portalTrustedProxies;  // IP addresses as Poco prints them
  // The brute-force defence: thresholds, and whose forwarded client address is believed
  // (abuse.trustedProxies, loopback by default; abuse.clientAddressHeader).
  engine::AbuseSettings abuse;
  std::vector<api::IpNetwork> abuseTrustedProxies;  // filled by load() (default 127.0.0.0/8, ::1)
  std::string abuseClientAddressHeader = "X-Forwarded-For";
  std::string logFormat = "text";  // log.format: text (one line) or json (one object per line)

  // Reads `file` (when `file` is empty: config/keywarden.properties if it exists) and the
  // environment. Throws SettingsError.
  static Settings load(const std::string& file);
  // The checks that only `serve` needs (the master secret). Throws SettingsError.
  void requireServeSecrets() const;

  // Exposed for tests: the environment variable that overrides `key`.
  static std::string envName(const std::string& key);
  // The KEYWARDEN_* environment variable names that are not settings, as an error line naming
  // the first (with the closest known variable when one is near); "" when there is none.
  // Kubernetes' service links for a service named keywarden (KEYWARDEN_SERVICE_HOST,
  // KEYWARDEN_PORT, KEYWARDEN_PORT_8080_TCP…) are not settings and are let through.
  static std::string unknownVariable(const std::vector<std::string>& environmentNames);
};

}  // namespace keywarden::app
