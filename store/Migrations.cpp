#include "store/Migrations.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <chrono>

using namespace Poco::Data::Keywords;

namespace keywarden::store {

// Types every supported database reads the same way: TEXT, BIGINT; no NULLs; times in epoch ms.
const std::vector<Migrations::Migration>& Migrations::all() {
  static const std::vector<Migration> kAll = {
      {1,
       "catalog, keys, tokens, audit",
       {
           "CREATE TABLE clients (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL,"
           " client_type TEXT NOT NULL, contact_email TEXT NOT NULL, active BIGINT NOT NULL,"
           " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
           "CREATE INDEX clients_tenant ON clients (tenant)",
           "CREATE TABLE apis (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL,"
           " method TEXT NOT NULL, path TEXT NOT NULL, scopes TEXT NOT NULL,"
           " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
           "CREATE INDEX apis_tenant ON apis (tenant)",
           "CREATE TABLE api_groups (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL,"
           " api_ids TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
           "CREATE INDEX api_groups_tenant ON api_groups (tenant)",
           "CREATE TABLE api_keys (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, client_id TEXT NOT "
           "NULL,"
           " name TEXT NOT NULL, digest TEXT NOT NULL UNIQUE, start TEXT NOT NULL, state TEXT NOT "
           "NULL,"
           " scopes TEXT NOT NULL, api_ids TEXT NOT NULL, group_ids TEXT NOT NULL,"
           " effective_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, quota BIGINT NOT NULL,"
           " remaining BIGINT NOT NULL, quota_key_id TEXT NOT NULL, refill_amount BIGINT NOT NULL,"
           " refill_interval TEXT NOT NULL, refilled_at BIGINT NOT NULL, rate_limit BIGINT NOT "
           "NULL,"
           " rate_window_ms BIGINT NOT NULL, meta TEXT NOT NULL, created_at BIGINT NOT NULL,"
           " updated_at BIGINT NOT NULL, last_used_at BIGINT NOT NULL, usage_valid BIGINT NOT NULL,"
           " usage_rejected BIGINT NOT NULL, revoke_at BIGINT NOT NULL, revoke_reason TEXT NOT "
           "NULL,"
           " rotated_to TEXT NOT NULL, application_id TEXT NOT NULL, version BIGINT NOT NULL)",
           "CREATE INDEX api_keys_tenant ON api_keys (tenant)",
           "CREATE INDEX api_keys_client ON api_keys (client_id)",
           "CREATE TABLE access_tokens (id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE,"
           " role TEXT NOT NULL, tenant TEXT NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL,"
           " created_at BIGINT NOT NULL, revoked_at BIGINT NOT NULL)",
           "CREATE TABLE audit_log (id TEXT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL,"
           " action TEXT NOT NULL, object_type TEXT NOT NULL, object_id TEXT NOT NULL,"
           " tenant TEXT NOT NULL, detail TEXT NOT NULL)",
           "CREATE INDEX audit_log_object ON audit_log (object_type, object_id)",
           "CREATE INDEX audit_log_at ON audit_log (at)",
       }},
      {2,
       "applications, decisions, sequences, sealed key deliveries",
       {
           "CREATE TABLE applications (id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE,"
           " kind TEXT NOT NULL, state TEXT NOT NULL, tenant TEXT NOT NULL, client_id TEXT NOT "
           "NULL,"
           " key_name TEXT NOT NULL, description TEXT NOT NULL, requester_email TEXT NOT NULL,"
           " effective_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, quota BIGINT NOT NULL,"
           " api_ids TEXT NOT NULL, group_ids TEXT NOT NULL, scopes TEXT NOT NULL, key_id TEXT NOT "
           "NULL,"
           " changes TEXT NOT NULL, flow_id TEXT NOT NULL, flow_version TEXT NOT NULL,"
           " flow_snapshot TEXT NOT NULL, level BIGINT NOT NULL, level_count BIGINT NOT NULL,"
           " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version BIGINT NOT NULL)",
           "CREATE INDEX applications_requester ON applications (requester_email)",
           "CREATE INDEX applications_state ON applications (state)",
           "CREATE TABLE application_decisions (id TEXT PRIMARY KEY, application_id TEXT NOT NULL,"
           " level BIGINT NOT NULL, event TEXT NOT NULL, approver TEXT NOT NULL, actor TEXT NOT "
           "NULL,"
           " comment TEXT NOT NULL, at BIGINT NOT NULL, seq BIGINT NOT NULL)",
           "CREATE INDEX application_decisions_app ON application_decisions (application_id, seq)",
           "CREATE TABLE sequences (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
           "CREATE TABLE key_deliveries (application_id TEXT PRIMARY KEY, key_id TEXT NOT NULL,"
           " recipient TEXT NOT NULL, sealed_key TEXT NOT NULL, created_at BIGINT NOT NULL,"
           " delivered_at BIGINT NOT NULL)",
       }},
      {3,
       "durable mail outbox and approver links (key deliveries move into the outbox)",
       {
           "CREATE TABLE outbox (id TEXT PRIMARY KEY, event TEXT NOT NULL, recipient TEXT NOT NULL,"
           " context TEXT NOT NULL, sealed_secret TEXT NOT NULL, status TEXT NOT NULL,"
           " attempts BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL, lease_until BIGINT NOT "
           "NULL,"
           " last_error TEXT NOT NULL, message_id TEXT NOT NULL, subject TEXT NOT NULL,"
           " application_id TEXT NOT NULL, key_id TEXT NOT NULL, created_at BIGINT NOT NULL,"
           " sent_at BIGINT NOT NULL, give_up_at BIGINT NOT NULL)",
           "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
           "CREATE INDEX outbox_recipient ON outbox (recipient)",
           "INSERT INTO outbox (id, event, recipient, context, sealed_secret, status, attempts,"
           " next_attempt_at, lease_until, last_error, message_id, subject, application_id, key_id,"
           " created_at, sent_at, give_up_at) SELECT 'mail_' || application_id, 'key-issued', "
           "recipient,"
           " '{}', sealed_key, 'PENDING', 0, created_at, 0, '', '', '', application_id, key_id, "
           "created_at,"
           " 0, created_at + 172800000 FROM key_deliveries WHERE delivered_at = 0",
           "DROP TABLE key_deliveries",
           "CREATE TABLE approval_links (id TEXT PRIMARY KEY, application_id TEXT NOT NULL,"
           " approver TEXT NOT NULL, level BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
           " used_at BIGINT NOT NULL, created_at BIGINT NOT NULL)",
           "CREATE INDEX approval_links_app ON approval_links (application_id)",
       }},
      {4,
       "scheduled jobs",
       {
           "CREATE TABLE jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, ref_id TEXT NOT NULL,"
           " due_at BIGINT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, attempts BIGINT "
           "NOT NULL,"
           " last_error TEXT NOT NULL, created_at BIGINT NOT NULL, done_at BIGINT NOT NULL)",
           "CREATE INDEX jobs_due ON jobs (status, due_at)",
           "CREATE INDEX jobs_ref ON jobs (ref_id, kind)",
       }},
      {5,
       "claim jobs in index order (no sort of every pending job per batch)",
       {
           "DROP INDEX jobs_due",
           "CREATE INDEX jobs_due ON jobs (status, due_at, id)",
       }},
      {6,
       "change feed for several instances on one database",
       {
           "CREATE TABLE changes (seq BIGINT NOT NULL, kind TEXT NOT NULL, ref_id TEXT NOT NULL,"
           " origin TEXT NOT NULL, at BIGINT NOT NULL)",
           "CREATE INDEX changes_seq ON changes (seq)",
           "CREATE INDEX changes_at ON changes (at)",
           "INSERT INTO sequences (name, value) VALUES ('changes', 0)",
       }},
      {7,
       "who holds a mail's send lease (an instance restarting releases its own at once)",
       {
           "ALTER TABLE outbox ADD COLUMN lease_owner TEXT NOT NULL DEFAULT ''",
       }},
      {8,
       "web portal: sign-in links and sessions (SHA-256 digests only)",
       {
           "CREATE TABLE portal_signins (id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE,"
           " email TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
           " used_at BIGINT NOT NULL)",
           "CREATE TABLE portal_sessions (id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE,"
           " email TEXT NOT NULL, via TEXT NOT NULL, created_at BIGINT NOT NULL,"
           " last_seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, ended_at BIGINT NOT NULL)",
           "CREATE INDEX portal_sessions_email ON portal_sessions (email)",
           "CREATE INDEX application_decisions_approver ON application_decisions (approver, at)",
       }},
      {9,
       "usage history: verification outcomes per key in minute, hour and day buckets",
       {
           "CREATE TABLE usage_counts (grain BIGINT NOT NULL, start_ms BIGINT NOT NULL,"
           " key_id TEXT NOT NULL, code TEXT NOT NULL, client_id TEXT NOT NULL,"
           " tenant TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (grain, key_id, start_ms, code))",
           "CREATE INDEX usage_counts_client ON usage_counts (grain, client_id, start_ms)",
           "CREATE INDEX usage_counts_start ON usage_counts (grain, start_ms)",
           "CREATE TABLE usage_rollup (grain BIGINT PRIMARY KEY, done_until BIGINT NOT NULL)",
           "INSERT INTO usage_rollup (grain, done_until) VALUES (1, 0)",
           "INSERT INTO usage_rollup (grain, done_until) VALUES (2, 0)",
       }},
      {10,
       "each person's language for mails and pages (BCP 47 tag, such as zh-TW)",
       {
           "CREATE TABLE person_languages (email TEXT PRIMARY KEY, language TEXT NOT NULL,"
           " updated_at BIGINT NOT NULL)",
       }},
      {11,
       "audit hash chain: seq, prev_hash and hash on every new row; the chain head (docs/audit.md)",
       {
           "ALTER TABLE audit_log ADD COLUMN seq BIGINT NOT NULL DEFAULT 0",
           "ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT ''",
           "CREATE INDEX audit_log_seq ON audit_log (seq, id)",
           // Rows from before this migration stay unchained (seq 0); the head records how many
           // there are and the newest one's time, so `audit verify` sees any added or deleted.
           "CREATE TABLE audit_chain (name TEXT PRIMARY KEY, seq BIGINT NOT NULL,"
           " hash TEXT NOT NULL, legacy_rows BIGINT NOT NULL, legacy_max_at BIGINT NOT NULL)",
           "INSERT INTO audit_chain (name, seq, hash, legacy_rows, legacy_max_at)"
           " SELECT 'audit', 0, '0000000000000000000000000000000000000000000000000000000000000000',"
           " COUNT(*), COALESCE(MAX(at), 0) FROM audit_log",
       }},
  };
  return kAll;
}

int Migrations::currentVersion(Poco::Data::Session& s) {
  s << "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
       " name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
      now;
  Poco::Data::Statement st(s);
  st << "SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations";
  st.execute();
  Poco::Data::RecordSet rs(st);
  return static_cast<int>(rs["v"].convert<Poco::Int64>());
}

int Migrations::apply(Poco::Data::Session& s, const Dialect& d) {
  int applied = 0;
  for (const auto& m : all()) {
    s << d.beginWrite(), now;
    try {
      if (!d.migrationLock().empty()) {
        int locked = 0;
        s << d.migrationLock(), into(locked), now;
      }
      if (currentVersion(s) >= m.version) {
        s << "COMMIT", now;
        continue;
      }
      for (const auto& sql : m.statements) s << sql, now;
      Poco::Int64 version = m.version;
      std::string name = m.name;
      Poco::Int64 at = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      s << "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
          use(version), use(name), use(at), now;
      s << "COMMIT", now;
      ++applied;
    } catch (...) {
      s << "ROLLBACK", now;
      throw;
    }
  }
  return applied;
}

}  // namespace keywarden::store
