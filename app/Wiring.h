#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "api/HttpApi.h"
#include "app/Settings.h"
#include "engine/abuse/AbuseGuard.h"
#include "engine/access/TokenService.h"
#include "engine/applications/ApplicationService.h"
#include "engine/audit/AuditReader.h"
#include "engine/base/SystemClock.h"
#include "engine/catalog/CatalogService.h"
#include "engine/check/KeyCache.h"
#include "engine/check/MissLookup.h"
#include "engine/check/StoreQuotaSource.h"
#include "engine/check/Verifier.h"
#include "engine/cluster/ChangeFollower.h"
#include "engine/crypto/SecretBox.h"
#include "engine/flows/FlowCatalog.h"
#include "engine/jobs/Housekeeping.h"
#include "engine/jobs/JobLog.h"
#include "engine/jobs/JobRunners.h"
#include "engine/jobs/Scheduler.h"
#include "engine/keys/KeyService.h"
#include "engine/notices/LinkSigner.h"
#include "engine/notices/MailLog.h"
#include "engine/notices/Notices.h"
#include "engine/portal/PortalService.h"
#include "engine/usage/UsageFlusher.h"
#include "engine/usage/UsageHistory.h"
#include "mail/OutboxSender.h"
#include "mail/SmtpTransport.h"
#include "mail/TemplateSet.h"
#include "store/SqlStore.h"

namespace keywarden::app {

// Every long-lived object of a running Keywarden, built from the settings in dependency order:
// store, engine services, mail. The one place that knows how the modules fit together.
// Throws SettingsError (one line naming the file or setting) when flows or templates are broken.
class Wiring {
 public:
  explicit Wiring(const Settings& s);
  ~Wiring();

  // Loads keys and catalog into memory; returns the number of keys.
  size_t warm();
  void startBackground();  // usage flusher, mail sender, scheduler, change follower
  void stopBackground();   // flushes usage, returns unspent quota, stops the sender
  // Prometheus gauges of the mail outbox and the job queue (keywarden_mail_queue{status},
  // keywarden_mail_oldest_pending_age_seconds, keywarden_jobs{status},
  // keywarden_jobs_oldest_overdue_seconds): a few COUNT queries, run at most once a second
  // (scrapes in between get the same text), never on the check path. "" while the store fails.
  std::string queueGauges();
  // What the HTTP API calls: the services, and the approver pages drawn by the templates.
  api::ApiServices apiServices();

  engine::SystemClock clock;
  std::unique_ptr<store::SqlStore> store;
  engine::KeyCache cache;
  engine::FlowCatalog flows;
  std::unique_ptr<mail::TemplateSet> templates;
  std::unique_ptr<engine::SecretBox> sealer;
  std::unique_ptr<engine::LinkSigner> links;
  std::unique_ptr<engine::Notices> notices;
  std::unique_ptr<engine::CatalogService> catalog;
  std::unique_ptr<engine::KeyService> keys;
  std::unique_ptr<engine::TokenService> tokens;
  std::unique_ptr<engine::StoreQuotaSource> quota;
  std::unique_ptr<engine::Verifier> verifier;
  std::unique_ptr<engine::MissLookup> missLookup;  // PostgreSQL only (several instances)
  std::unique_ptr<engine::UsageFlusher> flusher;
  std::unique_ptr<engine::UsageHistory> usage;  // the usage history's queries (issue 15)
  std::unique_ptr<engine::ApplicationService> applications;
  std::unique_ptr<engine::portal::PortalService> portal;
  std::unique_ptr<engine::MailLog> mailLog;
  std::unique_ptr<engine::JobLog> jobLog;
  std::unique_ptr<engine::AuditReader> auditReader;  // the console's audit pages
  std::unique_ptr<engine::Scheduler> scheduler;
  std::unique_ptr<engine::Housekeeping> housekeeping;
  std::unique_ptr<engine::ChangeFollower> changes;
  std::unique_ptr<mail::SmtpTransport> transport;
  std::unique_ptr<mail::OutboxSender> sender;
  std::unique_ptr<engine::AbuseGuard> abuse;  // the brute-force defence (abuse.*)
  api::ClientSource clientSource;             // who a caller is (abuse.trustedProxies)

 private:
  // The steps of the constructor, in its order.
  void loadFiles(const Settings& s);  // flows and templates; SettingsError when broken
  void buildEngine(const Settings& s, const std::string& secret);
  void buildMissLookup(const Settings& s);  // PostgreSQL with gateway.storeLookupsPerSecond
  void buildJobs(const Settings& s);
  void buildMail(const Settings& s);
  // What the change follower reloads: the key, catalog and token services.
  engine::FollowerTargets followerTargets();
  // A key missing from the cache, looked up in the store (MissLookup's look-up).
  bool lookUpMissing(const engine::KeyDigest& d);

  std::string _leaseOwner;  // host:port, names this instance's mail leases
  std::mutex _gaugesMutex;
  int64_t _gaugesAt = 0;  // ms; when _gauges was computed
  std::string _gauges;
};

}  // namespace keywarden::app
