#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/Clock.h"
#include "engine/base/Result.h"
#include "engine/model/AccessToken.h"
#include "engine/model/OutboxMail.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// The mail log (GET /v1/mail): what was sent, when, how many attempts, the last error; and the
// recovery of a mail that failed for good (POST /v1/mail/{id}/resend, /discard). Admins of every
// tenant only (mail crosses tenants). Never returns the sealed key, only whether one is held.
// Thread-safe.
class MailLog {
 public:
  // `giveUpMs`: how long a resent mail is retried on temporary errors (smtp.giveUpAfter).
  MailLog(Store& store, const Clock& clock, int64_t giveUpMs)
      : _store(store), _clock(clock), _giveUpMs(giveUpMs) {}

  Result<std::vector<OutboxMail>> list(const Principal& p, const std::string& status,
                                       const std::string& to);
  // A FAILED mail back in the outbox: PENDING and due now, attempts 0, a fresh give-up time,
  // the same Message-ID (no server accepted it, so no reader has it) and the same sealed key.
  // `to` set: sent there instead (a refused address corrected); checked as an e-mail address.
  // Audited (mail.resend) in the same transaction. 404 unknown, 409 INVALID_STATE unless
  // FAILED, 409 INVALID_STATE for a key-issued mail whose key is revoked or expired (discard it).
  Result<OutboxMail> resend(const Principal& p, const std::string& id,
                            const std::optional<std::string>& to);
  // A FAILED mail given up for good: DISCARDED and its sealed key erased. Audited
  // (mail.discard). 404 unknown, 409 INVALID_STATE unless FAILED.
  Result<OutboxMail> discard(const Principal& p, const std::string& id);

  // Called after a resend commits (the sender wakes up).
  void onResend(std::function<void()> wake) { _wake = std::move(wake); }

 private:
  Store& _store;
  const Clock& _clock;
  const int64_t _giveUpMs;
  std::function<void()> _wake;
};

}  // namespace keywarden::engine
