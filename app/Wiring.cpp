#include "app/Wiring.h"

#include <Poco/Logger.h>
#include <Poco/Net/DNS.h>
#include <malloc.h>

#include <cstdio>

#include "engine/flows/FlowParser.h"

namespace keywarden::app {

Wiring::Wiring(const Settings& s) {
  loadFiles(s);
  store = std::make_unique<store::SqlStore>(s.db);
  int applied = store->migrate();
  if (applied > 0)
    Poco::Logger::get("keywarden").information("applied %d schema migration(s)", applied);
  std::string secret =
      s.secret.empty() ? std::string(32, '\0') : s.secret;  // migrate/token never seal
  buildEngine(s, secret);
  if (s.db.connector == "postgresql" && s.gateway.storeLookupsPerSecond > 0) buildMissLookup(s);
  buildJobs(s);
  buildMail(s);
  abuse = std::make_unique<engine::AbuseGuard>(store.get(), clock, s.abuse);
  clientSource = api::ClientSource(s.abuseTrustedProxies, s.abuseClientAddressHeader);
}

void Wiring::loadFiles(const Settings& s) {
  auto& log = Poco::Logger::get("keywarden");
  try {
    flows = engine::FlowCatalog::loadDir(s.workflowsDir);
  } catch (const engine::FlowError& e) {
    throw SettingsError(std::string("workflows: ") + e.what());
  }
  engine::FlowCatalog::Snapshot loaded = flows.flows();
  for (const auto& f : *loaded)
    log.information("flow %s (priority %Ld, %z level(s), version %s) from %s", f.id, f.priority,
                    f.levels.size(), f.version, f.source);
  try {
    templates = std::make_unique<mail::TemplateSet>(s.templatesDir);
  } catch (const mail::TemplateError& e) {
    throw SettingsError(std::string("templates: ") + e.what());
  }
  if (templates->language(s.defaultLanguage).empty())
    throw SettingsError("setting mail.defaultLanguage: '" + s.defaultLanguage +
                        "' has no templates (no folder " + s.templatesDir + "/lang/" +
                        s.defaultLanguage + ")");
}

void Wiring::buildEngine(const Settings& s, const std::string& secret) {
  sealer = std::make_unique<engine::SecretBox>(secret, "key-delivery");
  links = std::make_unique<engine::LinkSigner>(secret, s.linkLifetimeMs);
  notices = std::make_unique<engine::Notices>(*sealer, *links, s.publicBaseUrl, s.smtpGiveUpMs);
  catalog = std::make_unique<engine::CatalogService>(*store, cache, clock);
  keys = std::make_unique<engine::KeyService>(*store, cache, clock, s.keysPrefix, notices.get(),
                                              s.expiryReminderMs);
  tokens = std::make_unique<engine::TokenService>(*store, clock);
  quota = std::make_unique<engine::StoreQuotaSource>(*store);
  verifier = std::make_unique<engine::Verifier>(cache, *quota, clock, s.quotaLeaseBlock);
  flusher = std::make_unique<engine::UsageFlusher>(cache, *store, s.usageFlushMs, clock);
  usage = std::make_unique<engine::UsageHistory>(*store, clock);
  applications =
      std::make_unique<engine::ApplicationService>(*store, *keys, flows, clock, *notices, *links);
  portal = std::make_unique<engine::portal::PortalService>(*store, flows, clock, *notices, s.portal,
                                                           secret);
  mailLog = std::make_unique<engine::MailLog>(*store, clock, s.smtpGiveUpMs);
  jobLog = std::make_unique<engine::JobLog>(*store, clock);
  auditReader = std::make_unique<engine::AuditReader>(*store);
  changes =
      std::make_unique<engine::ChangeFollower>(*store, clock, followerTargets(), s.clusterPollMs);
}

engine::FollowerTargets Wiring::followerTargets() {
  engine::FollowerTargets t;
  t.reloadAll = [this] {
    catalog->warmCache();
    keys->warmCache();
  };
  t.leaseCounts = [this](const std::vector<std::string>& keyIds) {
    return keys->leaseCounts(keyIds);
  };
  t.reload = [this](engine::Transaction& tx, const std::vector<std::string>& keyIds,
                    const std::vector<uint64_t>& leaseCounts,
                    const std::vector<std::string>& clientIds, bool wholeCatalog) {
    keys->reload(tx, keyIds, leaseCounts);
    catalog->reload(tx, clientIds, wholeCatalog);
  };
  t.returnOwed = [this](const std::vector<std::string>& keyIds) { keys->returnOwed(keyIds); };
  t.forgetToken = [this](const std::string& id) { tokens->forget(id); };
  return t;
}

// A key issued on another instance is VALID here at once, not after the next poll.
void Wiring::buildMissLookup(const Settings& s) {
  missLookup = std::make_unique<engine::MissLookup>(
      [this](const engine::KeyDigest& d) { return lookUpMissing(d); },
      s.gateway.storeLookupsPerSecond, 60000);
  verifier->setMissLookup(missLookup.get());
}

bool Wiring::lookUpMissing(const engine::KeyDigest& d) {
  std::vector<engine::Key> found;
  std::vector<engine::Client> clients;  // the key's client may be as new as the key
  try {
    store->read([&](engine::Transaction& tx) {
      found = tx.keys().findForCacheByDigest(d.hex());
      for (const auto& k : found)
        if (!k.clientId.empty())
          if (auto c = tx.catalog().findClient(k.clientId)) clients.push_back(*c);
    });
  } catch (const std::exception& e) {
    Poco::Logger::get("keywarden.cache")
        .warning("store look-up of a key missing from the cache failed: %s", std::string(e.what()));
    return false;
  }
  // A key drawing from a quota waits for the change feed: its quota account is set up
  // there, in the order the feed gives (owners first, leases already taken).
  for (const auto& k : found)
    if (k.quota >= 0 || !k.quotaKeyId.empty()) return false;
  for (const auto& c : clients) cache.upsertClient(c);
  for (const auto& k : found) cache.upsertKey(k);
  return !found.empty();
}

void Wiring::buildJobs(const Settings& s) {
  scheduler = std::make_unique<engine::Scheduler>(*store, clock);
  engine::JobRunners::keys(*scheduler, *keys);
  engine::JobRunners::applications(*scheduler, *applications);
  engine::HousekeepingSettings hk;
  hk.keepKeysMs = s.retentionKeysMs;
  hk.keepApplicationsMs = s.retentionApplicationsMs;
  hk.digestHourUtc = s.digestHourUtc;
  hk.keepUsageDaysMs = s.retentionUsageMs;
  housekeeping = std::make_unique<engine::Housekeeping>(cache, *notices, hk);
  engine::JobRunners::housekeeping(*scheduler, *housekeeping);
  keys->onJobScheduled([this] { scheduler->wake(); });
  applications->onJobScheduled([this] { scheduler->wake(); });
  jobLog->onRetry([this] { scheduler->wake(); });
}

void Wiring::buildMail(const Settings& s) {
  mail::SmtpSettings smtp;
  smtp.host = s.smtpHost;
  smtp.port = s.smtpPort;
  smtp.user = s.smtpUser;
  smtp.password = s.smtpPassword;
  smtp.starttls = s.smtpStartTls;
  smtp.from = s.smtpFrom;
  smtp.fromName = s.smtpFromName;
  smtp.caFile = s.smtpCaFile;
  smtp.heloName = s.smtpHeloName;
  transport = std::make_unique<mail::SmtpTransport>(smtp);
  mail::SenderSettings send;
  send.retryMaxMs = s.smtpRetryMaxMs;
  send.connections = s.smtpConnections;
  if (s.db.connector == "sqlite") send.journalPath = s.db.connection + "-mailsent";
  _leaseOwner = Poco::Net::DNS::hostName() + ":" + std::to_string(s.httpPort);
  send.owner = _leaseOwner;
  // PostgreSQL means possibly several instances: look at shared work at least every second.
  const bool shared = store->dialect().kind() == store::DialectKind::PostgreSQL;
  if (shared) {
    send.maxIdleMs = 1000;
    scheduler->setMaxIdle(1000);
  }
  sender =
      std::make_unique<mail::OutboxSender>(*store, *templates, *transport, *sealer, clock, send);
  // Each mail in its recipient's saved language, else mail.defaultLanguage: one store read
  // per claimed batch.
  sender->setLanguagesOf([this, fallback = s.defaultLanguage](const std::vector<std::string>& to) {
    auto languages = portal->languagesOf(to);
    for (auto& [email, tag] : languages) {
      std::string saved = templates->language(tag);
      tag = saved.empty() ? templates->language(fallback) : saved;
    }
    return languages;
  });
  notices->onEnqueue([this] { sender->wake(); });
  mailLog->onResend([this] { sender->wake(); });
}

Wiring::~Wiring() {
  stopBackground();
}

size_t Wiring::warm() {
  // Mails this instance was sending when it died are due again now, not when their lease runs
  // out: with SQLite (one instance) every lease, with PostgreSQL the leases held under this
  // instance's name (host:port — its previous run; no other live process can hold that name).
  store->claimName(_leaseOwner);  // refuses to start beside a live process of the same name
  sender->recover();  // before the leases go: what the server accepted is not sent again
  {
    int released = 0;
    std::string owner =
        store->dialect().kind() == store::DialectKind::SQLite ? std::string() : _leaseOwner;
    store->write([&](engine::Transaction& tx) { released = tx.outbox().releaseLeases(owner); });
    if (released > 0)
      Poco::Logger::get("keywarden.mail")
          .warning("%d mail(s) were being sent at the last stop; sending again", released);
  }
  store->write([&](engine::Transaction& tx) { housekeeping->ensureScheduled(tx, clock.nowMs()); });
  changes->mark();  // before the load: what commits meanwhile is applied again, harmlessly
  catalog->warmCache();
  size_t n = keys->warmCache();
  malloc_trim(0);  // give the loading buffers back to the system: RSS is what operators watch
  return n;
}

void Wiring::startBackground() {
  flusher->start();
  sender->start();
  scheduler->start();  // first runs everything that fell due while the server was down
  changes->start();
  abuse->start();
}

void Wiring::stopBackground() {
  if (changes) changes->stop();
  if (scheduler) scheduler->stop();
  if (sender) sender->stop();
  if (flusher) flusher->stop();
  if (abuse) abuse->stop();  // writes the audit rows of the last block episodes
}

api::ApiServices Wiring::apiServices() {
  return {*store,
          *catalog,
          *keys,
          *tokens,
          *verifier,
          *applications,
          *mailLog,
          *jobLog,
          [t = templates.get()](const std::string& page, const std::string& json,
                                const std::string&, const std::string&) {
            return t->renderPage(page, json);  // English; app/Server sets the language rule
          },
          *usage,
          abuse.get(),
          clientSource};
}

std::string Wiring::queueGauges() {
  std::lock_guard<std::mutex> lock(_gaugesMutex);
  int64_t now = clock.nowMs();
  if (_gaugesAt != 0 && now - _gaugesAt < 1000 && now >= _gaugesAt) return _gauges;
  engine::OutboxRepository::Figures mail;
  engine::JobRepository::Figures jobs;
  try {
    store->read([&](engine::Transaction& tx) {
      mail = tx.outbox().figures();
      jobs = tx.jobs().figures(now);
    });
  } catch (const std::exception& e) {
    Poco::Logger::get("keywarden")
        .warning("metrics: queue figures unavailable: %s", std::string(e.what()));
    return "";
  }
  auto seconds = [now](int64_t since) {
    return since > 0 && now > since ? static_cast<double>(now - since) / 1000.0 : 0.0;
  };
  char buf[1536];
  std::snprintf(
      buf, sizeof buf,
      "# HELP keywarden_mail_queue Mails in the outbox by status (SENT and DISCARDED are not "
      "counted).\n"
      "# TYPE keywarden_mail_queue gauge\n"
      "keywarden_mail_queue{status=\"pending\"} %lld\n"
      "keywarden_mail_queue{status=\"sending\"} %lld\n"
      "keywarden_mail_queue{status=\"failed\"} %lld\n"
      "# HELP keywarden_mail_oldest_pending_age_seconds Age of the oldest mail not yet sent "
      "(PENDING or SENDING) since it was written; 0 when none waits.\n"
      "# TYPE keywarden_mail_oldest_pending_age_seconds gauge\n"
      "keywarden_mail_oldest_pending_age_seconds %.3f\n"
      "# HELP keywarden_jobs Scheduled jobs by status (DONE and CANCELLED are not counted).\n"
      "# TYPE keywarden_jobs gauge\n"
      "keywarden_jobs{status=\"pending\"} %lld\n"
      "keywarden_jobs{status=\"failed\"} %lld\n"
      "# HELP keywarden_jobs_oldest_overdue_seconds How long the oldest pending job has been due; "
      "0 when none is overdue.\n"
      "# TYPE keywarden_jobs_oldest_overdue_seconds gauge\n"
      "keywarden_jobs_oldest_overdue_seconds %.3f\n",
      static_cast<long long>(mail.pending), static_cast<long long>(mail.sending),
      static_cast<long long>(mail.failed), seconds(mail.oldestUnsentCreatedAt),
      static_cast<long long>(jobs.pending), static_cast<long long>(jobs.failed),
      seconds(jobs.oldestOverdueDueAt));
  _gauges = buf;
  _gaugesAt = now;
  return _gauges;
}

}  // namespace keywarden::app
