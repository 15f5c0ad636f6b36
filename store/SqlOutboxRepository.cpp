#include "store/SqlOutboxRepository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "store/Sql.h"
#include "store/SqlQuery.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace keywarden::store {

namespace {
const char* kCols =
    "SELECT id, event, recipient, context, sealed_secret, status, attempts, next_attempt_at, "
    "lease_until,"
    " last_error, message_id, subject, application_id, key_id, created_at, sent_at, give_up_at "
    "FROM outbox";

// One row of kCols, read by position (SqlQuery or PocoRow).
template <typename R>
engine::OutboxMail mailOf(const R& r) {
  engine::OutboxMail m;
  m.id = r.str(0);
  m.event = r.str(1);
  m.recipient = r.str(2);
  m.context = r.str(3);
  m.sealedSecret = r.str(4);
  m.status = r.str(5);
  m.attempts = static_cast<int>(r.i64(6));
  m.nextAttemptAt = r.i64(7);
  m.leaseUntil = r.i64(8);
  m.lastError = r.str(9);
  m.messageId = r.str(10);
  m.subject = r.str(11);
  m.applicationId = r.str(12);
  m.keyId = r.str(13);
  m.createdAt = r.i64(14);
  m.sentAt = r.i64(15);
  m.giveUpAt = r.i64(16);
  return m;
}

std::vector<engine::OutboxMail> mailsOf(Statement& st) {
  return Sql::rows<engine::OutboxMail>(st, [](RecordSet& rs) { return mailOf(PocoRow{rs}); });
}

const char* kEnqueue =
    "INSERT INTO outbox (id, event, recipient, context, sealed_secret, status, attempts,"
    " next_attempt_at, lease_until, last_error, message_id, subject, application_id, key_id,"
    " created_at, sent_at, give_up_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
    " $12, $13, $14, $15, $16, $17)";
const char* kLease =
    "UPDATE outbox SET status = 'SENDING', lease_until = $1, attempts = $2, lease_owner = $3"
    " WHERE id = $4";
}  // namespace

void SqlOutboxRepository::enqueue(const engine::OutboxMail& m0) {
  engine::OutboxMail m = m0;
  Poco::Int64 attempts = m.attempts, next = m.nextAttemptAt, lease = m.leaseUntil,
              created = m.createdAt, sent = m.sentAt, giveUp = m.giveUpAt;
  if (_q) {
    SqlQuery(*_q, kEnqueue)
        .bindAll(m.id, m.event, m.recipient, m.context, m.sealedSecret, m.status, attempts, next,
                 lease, m.lastError, m.messageId, m.subject, m.applicationId, m.keyId, created,
                 sent, giveUp)
        .execute();
    return;
  }
  Statement st(_s);
  st << kEnqueue, use(m.id), use(m.event), use(m.recipient), use(m.context), use(m.sealedSecret),
      use(m.status), use(attempts), use(next), use(lease), use(m.lastError), use(m.messageId),
      use(m.subject), use(m.applicationId), use(m.keyId), use(created), use(sent), use(giveUp);
  st.execute();
}

std::vector<engine::OutboxMail> SqlOutboxRepository::claim(int64_t now0, int64_t leaseUntil0,
                                                           int limit0, const std::string& owner0) {
  std::string owner = owner0;
  // (Not named `now`: that would hide Poco's `now` keyword and leave statements unexecuted.)
  Poco::Int64 at = now0, lease = leaseUntil0, limit = limit0;
  const std::string sql =
      std::string(kCols) +
      " WHERE (status = 'PENDING' AND next_attempt_at <= $1) OR (status ="
      " 'SENDING' AND lease_until <= $1) ORDER BY next_attempt_at, id LIMIT $2" +
      _d.skipLocked();
  std::vector<engine::OutboxMail> due;
  if (_q) {
    SqlQuery q(*_q, sql);
    q.bindAll(at, limit);
    while (q.step()) due.push_back(mailOf(q));
  } else {
    Statement st(_s);
    st << sql, use(at), use(limit);
    due = mailsOf(st);
  }
  for (auto& m : due) {
    m.status = "SENDING";
    m.leaseUntil = lease;
    ++m.attempts;
    std::string id = m.id;
    Poco::Int64 attempts = m.attempts;
    if (_q)
      SqlQuery(*_q, kLease).bindAll(lease, attempts, owner, id).execute();
    else
      _s << kLease, use(lease), use(attempts), use(owner), use(id), now;
  }
  return due;
}

int SqlOutboxRepository::releaseLeases(const std::string& owner0) {
  std::string owner = owner0;
  Statement st(_s);
  st << "UPDATE outbox SET status = 'PENDING', lease_until = 0, lease_owner = '' WHERE status = "
        "'SENDING' AND ($1 = '' OR lease_owner = $1)",
      use(owner);
  return static_cast<int>(st.execute());
}

bool SqlOutboxRepository::renewLease(const std::string& id0, const std::string& owner0,
                                     int64_t until0) {
  std::string id = id0, owner = owner0;
  Poco::Int64 until = until0;
  Statement st(_s);
  st << "UPDATE outbox SET lease_until = $1 WHERE id = $2 AND status = 'SENDING' AND "
        "lease_owner = $3",
      use(until), use(id), use(owner);
  return st.execute() == 1;
}

bool SqlOutboxRepository::release(const std::string& id0, const std::string& owner0) {
  std::string id = id0, owner = owner0;
  Statement st(_s);
  st << "UPDATE outbox SET status = 'PENDING', lease_until = 0, lease_owner = '',"
        " attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END"
        " WHERE id = $1 AND status = 'SENDING' AND lease_owner = $2",
      use(id), use(owner);
  return st.execute() == 1;
}

void SqlOutboxRepository::setSubject(const std::string& id0, const std::string& subject0) {
  std::string id = id0, subject = subject0;
  const char* sql = "UPDATE outbox SET subject = $1 WHERE id = $2";
  if (_q) {
    SqlQuery(*_q, sql).bindAll(subject, id).execute();
    return;
  }
  _s << sql, use(subject), use(id), now;
}

void SqlOutboxRepository::markSent(const std::string& id0, int64_t at0) {
  std::string id = id0;
  Poco::Int64 at = at0;
  const char* sql =
      "UPDATE outbox SET status = 'SENT', sent_at = $1, sealed_secret = '', last_error = ''"
      " WHERE id = $2 AND status <> 'SENT'";
  if (_q) {
    SqlQuery(*_q, sql).bindAll(at, id).execute();
    return;
  }
  _s << sql, use(at), use(id), now;
}

void SqlOutboxRepository::markRetry(const std::string& id0, const std::string& error0,
                                    int64_t next0) {
  std::string id = id0, error = error0;
  Poco::Int64 next = next0;
  _s << "UPDATE outbox SET status = 'PENDING', last_error = $1, next_attempt_at = $2, lease_until "
        "= 0"
        " WHERE id = $3",
      use(error), use(next), use(id), now;
}

void SqlOutboxRepository::markFailed(const std::string& id0, const std::string& error0) {
  std::string id = id0, error = error0;
  // A mail given up on keeps its sealed key: an admin resends it (delivering the key) or
  // discards it (erasing the key) — POST /v1/mail/{id}/resend, /discard.
  _s << "UPDATE outbox SET status = 'FAILED', last_error = $1, lease_until = 0 WHERE id = $2",
      use(error), use(id), now;
}

std::optional<int64_t> SqlOutboxRepository::nextDue() {
  Poco::Int64 pending = 0, sending = 0, n = 0;
  _s << "SELECT COUNT(*), COALESCE(MIN(next_attempt_at), 0) FROM outbox WHERE status = 'PENDING'",
      into(n), into(pending), now;
  Poco::Int64 m = 0;
  _s << "SELECT COUNT(*), COALESCE(MIN(lease_until), 0) FROM outbox WHERE status = 'SENDING'",
      into(m), into(sending), now;
  if (n == 0 && m == 0) return std::nullopt;
  if (n == 0) return sending;
  if (m == 0) return pending;
  return std::min(pending, sending);
}

std::vector<engine::OutboxMail> SqlOutboxRepository::list(const std::string& status0,
                                                          const std::string& to0) {
  std::string status = status0, to = to0;
  Statement st(_s);
  st << std::string(kCols) +
            " WHERE ($1 = '' OR status = $1) AND ($2 = '' OR recipient = $2) ORDER BY created_at, "
            "id",
      use(status), use(to);
  return mailsOf(st);
}

void SqlOutboxRepository::insertLink(const std::string& id0, const std::string& app0,
                                     const std::string& approver0, int level0, int64_t expires0,
                                     int64_t created0) {
  std::string id = id0, app = app0, approver = approver0;
  Poco::Int64 level = level0, expires = expires0, created = created0, used = 0;
  const char* sql =
      "INSERT INTO approval_links (id, application_id, approver, level, expires_at, used_at,"
      " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
  if (_q) {
    SqlQuery(*_q, sql).bindAll(id, app, approver, level, expires, used, created).execute();
    return;
  }
  _s << sql, use(id), use(app), use(approver), use(level), use(expires), use(used), use(created),
      now;
}

bool SqlOutboxRepository::findLink(const std::string& id0, int64_t& usedAt) {
  std::string id = id0;
  Poco::Int64 used = 0;
  Statement st(_s);
  st << "SELECT used_at FROM approval_links WHERE id = $1", use(id), into(used);
  if (st.execute() == 0) return false;
  usedAt = used;
  return true;
}

void SqlOutboxRepository::voidLinks(const std::string& applicationId) {
  std::string app = applicationId;
  const char* sql =
      "UPDATE approval_links SET used_at = -1 WHERE application_id = $1 AND used_at = 0";
  if (_q) {
    SqlQuery(*_q, sql).bindAll(app).execute();
    return;
  }
  _s << sql, use(app), now;
}

bool SqlOutboxRepository::consumeLink(const std::string& id0, int64_t at0) {
  std::string id = id0;
  Poco::Int64 at = at0;
  const char* sql = "UPDATE approval_links SET used_at = $1 WHERE id = $2 AND used_at = 0";
  if (_q) return SqlQuery(*_q, sql).bindAll(at, id).execute() == 1;
  Statement st(_s);
  st << sql, use(at), use(id);
  return st.execute() == 1;
}

// --- Recovery and figures (POST /v1/mail/{id}/resend, /discard; /metrics) ---

std::optional<engine::OutboxMail> SqlOutboxRepository::find(const std::string& id0) {
  std::string id = id0;
  Statement st(_s);
  st << std::string(kCols) + " WHERE id = $1", use(id);
  auto rows = mailsOf(st);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

bool SqlOutboxRepository::requeue(const std::string& id0, const std::string& recipient0,
                                  const std::string& context0, int64_t now0, int64_t giveUp0) {
  std::string id = id0, recipient = recipient0, context = context0;
  Poco::Int64 at = now0, giveUp = giveUp0;
  Statement st(_s);
  st << "UPDATE outbox SET status = 'PENDING', recipient = $1, context = $2, attempts = 0,"
        " next_attempt_at = $3, give_up_at = $4, lease_until = 0, lease_owner = ''"
        " WHERE id = $5 AND status = 'FAILED'",
      use(recipient), use(context), use(at), use(giveUp), use(id);
  return st.execute() == 1;
}

bool SqlOutboxRepository::discard(const std::string& id0) {
  std::string id = id0;
  Statement st(_s);
  st << "UPDATE outbox SET status = 'DISCARDED', sealed_secret = '', lease_until = 0"
        " WHERE id = $1 AND status = 'FAILED'",
      use(id);
  return st.execute() == 1;
}

engine::OutboxRepository::Figures SqlOutboxRepository::figures() {
  Figures f;
  Poco::Int64 pending = 0, sending = 0, failed = 0, unsent = 0, oldest = 0;
  _s << "SELECT COUNT(*) FROM outbox WHERE status = 'PENDING'", into(pending), now;
  _s << "SELECT COUNT(*) FROM outbox WHERE status = 'SENDING'", into(sending), now;
  _s << "SELECT COUNT(*) FROM outbox WHERE status = 'FAILED'", into(failed), now;
  _s << "SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM outbox WHERE status IN ('PENDING', "
        "'SENDING')",
      into(unsent), into(oldest), now;
  f.pending = pending;
  f.sending = sending;
  f.failed = failed;
  f.oldestUnsentCreatedAt = unsent > 0 ? oldest : 0;
  return f;
}

int64_t SqlOutboxRepository::lastLinkIssuedAt(const std::string& app0, int level0) {
  std::string app = app0;
  Poco::Int64 level = level0, last = 0;
  const char* sql =
      "SELECT COALESCE(MAX(created_at), 0) FROM approval_links WHERE application_id = $1 AND"
      " level = $2";
  if (_q) {
    SqlQuery q(*_q, sql);
    q.bindAll(app, level);
    return q.step() ? q.i64(0) : 0;
  }
  _s << sql, use(app), use(level), into(last), now;
  return last;
}

}  // namespace keywarden::store
