#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model/OutboxMail.h"

namespace keywarden::engine {

// The durable outbox and the approver links. Methods run inside the caller's Transaction.
class OutboxRepository {
 public:
  virtual ~OutboxRepository() = default;
  virtual void enqueue(const OutboxMail& m) = 0;
  // Takes up to `limit` mails that are due (PENDING and due, or SENDING with an expired lease:
  // an instance died mid-send) and leases them to `owner` until `leaseUntil`. Runs in a write
  // transaction.
  virtual std::vector<OutboxMail> claim(int64_t now, int64_t leaseUntil, int limit,
                                        const std::string& owner) = 0;
  // Makes the mails leased by `owner` due again — every leased mail when `owner` is empty — at
  // the start-up of that owner: the process that held the lease is dead.
  virtual int releaseLeases(const std::string& owner) = 0;
  // Extends `owner`'s lease on one mail to `leaseUntil`; false when `owner` no longer holds it
  // (it ran out and another instance took the mail): then the mail must not be sent.
  virtual bool renewLease(const std::string& id, const std::string& owner, int64_t leaseUntil) = 0;
  // Gives a claimed mail that was not attempted back to the queue, due at once and with its
  // attempt uncounted; only while `owner` holds it. False when it does not.
  virtual bool release(const std::string& id, const std::string& owner) = 0;
  // The subject as rendered for this attempt, for the mail log. Written before the mail goes
  // out, so the outcome record after the server's reply stays one small statement.
  virtual void setSubject(const std::string& id, const std::string& subject) = 0;
  // Accepted by the SMTP server: SENT, and the sealed secret erased. One UPDATE of one row by
  // primary key and nothing else: the commit that holds it closes the only window in which a
  // crash could send the mail a second time (between the server's 250 and this commit).
  virtual void markSent(const std::string& id, int64_t at) = 0;
  virtual void markRetry(const std::string& id, const std::string& error,
                         int64_t nextAttemptAt) = 0;
  // Given up on: FAILED. A sealed secret stays until resend delivers it or discard erases it.
  virtual void markFailed(const std::string& id, const std::string& error) = 0;
  // When the next mail falls due (nullopt: nothing waits).
  virtual std::optional<int64_t> nextDue() = 0;
  virtual std::vector<OutboxMail> list(const std::string& status, const std::string& recipient) = 0;

  // Recovery of a mail that failed for good (POST /v1/mail/{id}/resend and /discard).
  virtual std::optional<OutboxMail> find(const std::string& id) = 0;
  // A FAILED mail due again at `now`: PENDING, to `recipient` with `context`, attempts 0, a
  // new give-up time; the sealed secret, Message-ID and last error stay. False (nothing
  // changed) when the mail is no longer FAILED.
  virtual bool requeue(const std::string& id, const std::string& recipient,
                       const std::string& context, int64_t now, int64_t giveUpAt) = 0;
  // A FAILED mail given up by an admin: DISCARDED, its sealed secret erased. False (nothing
  // changed) when the mail is no longer FAILED.
  virtual bool discard(const std::string& id) = 0;
  // Queue figures for /metrics: counts by status, and the creation time (ms) of the oldest
  // mail not yet sent (PENDING or SENDING; 0 when there is none).
  struct Figures {
    int64_t pending = 0, sending = 0, failed = 0, oldestUnsentCreatedAt = 0;
  };
  virtual Figures figures() = 0;

  // Approver links: one row per issued link; `used_at` 0 until a decision consumes it.
  virtual void insertLink(const std::string& id, const std::string& applicationId,
                          const std::string& approver, int level, int64_t expiresAt,
                          int64_t createdAt) = 0;
  // 0 when unknown; otherwise the use time (0 = unused) in `usedAt`.
  virtual bool findLink(const std::string& id, int64_t& usedAt) = 0;
  // Voids the unused links of an application (its level was decided, or it left review):
  // they show "already decided", never decide. Voided links read back with usedAt -1.
  virtual void voidLinks(const std::string& applicationId) = 0;
  // Marks the link used if it was not; false when it was used already.
  virtual bool consumeLink(const std::string& id, int64_t at) = 0;
  // When the newest link of `applicationId` for `level` was issued (ms; 0 when none was).
  virtual int64_t lastLinkIssuedAt(const std::string& applicationId, int level) = 0;
};

}  // namespace keywarden::engine
