#pragma once

#include <cstdint>
#include <string>

namespace keywarden::engine {

// One e-mail waiting in (or logged by) the durable outbox. Written in the transaction of the
// change that causes it; sent by the mail module's sender. `context` is the JSON object the
// templates render; a key travels only in `sealedSecret` and is erased once the mail is accepted
// (SENT) or an admin discards the FAILED mail (DISCARDED).
struct OutboxMail {
  std::string id;
  std::string event;  // template name: approval-requested, key-issued, rejected, ...
  std::string recipient;
  std::string context = "{}";
  std::string sealedSecret;        // AES-256-GCM; "" when the mail carries no secret
  std::string status = "PENDING";  // PENDING, SENDING, SENT, FAILED, DISCARDED
  int attempts = 0;
  int64_t nextAttemptAt = 0;
  int64_t leaseUntil = 0;
  std::string lastError;
  std::string messageId;  // fixed before the first attempt, reused by every retry
  std::string subject;    // as rendered at the last attempt, for the mail log
  std::string applicationId;
  std::string keyId;
  int64_t createdAt = 0;
  int64_t sentAt = 0;
  int64_t giveUpAt = 0;
};

}  // namespace keywarden::engine
