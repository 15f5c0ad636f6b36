#include "store/SqlOutboxRepository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "store/Sql.h"

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

engine::OutboxMail mailOf(RecordSet& rs) {
  engine::OutboxMail m;
  m.id = Sql::str(rs, "id");
  m.event = Sql::str(rs, "event");
  m.recipient = Sql::str(rs, "recipient");
  m.context = Sql::str(rs, "context");
  m.sealedSecret = Sql::str(rs, "sealed_secret");
  m.status = Sql::str(rs, "status");
  m.attempts = static_cast<int>(Sql::i64(rs, "attempts"));
  m.nextAttemptAt = Sql::i64(rs, "next_attempt_at");
  m.leaseUntil = Sql::i64(rs, "lease_until");
  m.lastError = Sql::str(rs, "last_error");
  m.messageId = Sql::str(rs, "message_id");
  m.subject = Sql::str(rs, "subject");
  m.applicationId = Sql::str(rs, "application_id");
  m.keyId = Sql::str(rs, "key_id");
  m.createdAt = Sql::i64(rs, "created_at");
  m.sentAt = Sql::i64(rs, "sent_at");
  m.giveUpAt = Sql::i64(rs, "give_up_at");
  return m;
}

std::vector<engine::OutboxMail> mailsOf(Statement& st) {
  return Sql::rows<engine::OutboxMail>(st, mailOf);
}
}  // namespace

void SqlOutboxRepository::enqueue(const engine::OutboxMail& m0) {
  engine::OutboxMail m = m0;
  Poco::Int64 attempts = m.attempts, next = m.nextAttemptAt, lease = m.leaseUntil,
              created = m.createdAt, sent = m.sentAt, giveUp = m.giveUpAt;
  Statement st(_s);
  st << "INSERT INTO outbox (id, event, recipient, context, sealed_secret, status, attempts, "
        "next_attempt_at,"
        " lease_until, last_error, message_id, subject, application_id, key_id, created_at, "
        "sent_at, give_up_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
      use(m.id), use(m.event), use(m.recipient), use(m.context), use(m.sealedSecret), use(m.status),
      use(attempts), use(next), use(lease), use(m.lastError), use(m.messageId), use(m.subject),
      use(m.applicationId), use(m.keyId), use(created), use(sent), use(giveUp);
  st.execute();
}

std::vector<engine::OutboxMail> SqlOutboxRepository::claim(int64_t now0, int64_t leaseUntil0,
                                                           int limit0, const std::string& owner0) {
  std::string owner = owner0;
  // (Not named `now`: that would hide Poco's `now` keyword and leave statements unexecuted.)
  Poco::Int64 at = now0, lease = leaseUntil0, limit = limit0;
  Statement st(_s);
  st << std::string(kCols) +
            " WHERE (status = 'PENDING' AND next_attempt_at <= $1) OR (status = 'SENDING' AND "
            "lease_until <= $1)"
            " ORDER BY next_attempt_at, id LIMIT $2" +
            _d.skipLocked(),
      use(at), use(limit);
  auto due = mailsOf(st);
  for (auto& m : due) {
    m.status = "SENDING";
    m.leaseUntil = lease;
    ++m.attempts;
    std::string id = m.id;
    Poco::Int64 attempts = m.attempts;
    _s << "UPDATE outbox SET status = 'SENDING', lease_until = $1, attempts = $2, lease_owner = $3"
          " WHERE id = $4",
        use(lease), use(attempts), use(owner), use(id), now;
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
  _s << "UPDATE outbox SET subject = $1 WHERE id = $2", use(subject), use(id), now;
}

void SqlOutboxRepository::markSent(const std::string& id0, int64_t at0) {
  std::string id = id0;
  Poco::Int64 at = at0;
  _s << "UPDATE outbox SET status = 'SENT', sent_at = $1, sealed_secret = '', last_error = ''"
        " WHERE id = $2 AND status <> 'SENT'",
      use(at), use(id), now;
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
  // A mail given up on keeps no secret either.
  _s << "UPDATE outbox SET status = 'FAILED', last_error = $1, sealed_secret = '', lease_until = 0 "
        "WHERE id = $2",
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
  _s << "INSERT INTO approval_links (id, application_id, approver, level, expires_at, used_at, "
        "created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
      use(id), use(app), use(approver), use(level), use(expires), use(used), use(created), now;
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
  _s << "UPDATE approval_links SET used_at = -1 WHERE application_id = $1 AND used_at = 0",
      use(app), now;
}

bool SqlOutboxRepository::consumeLink(const std::string& id0, int64_t at0) {
  std::string id = id0;
  Poco::Int64 at = at0;
  Statement st(_s);
  st << "UPDATE approval_links SET used_at = $1 WHERE id = $2 AND used_at = 0", use(at), use(id);
  return st.execute() == 1;
}

}  // namespace keywarden::store
