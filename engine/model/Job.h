#pragma once

#include <cstdint>
#include <string>

namespace keywarden::engine {

// A unit of scheduled work (contract §2 keys.expiryReminder, §3 states, §5 timeouts). Written in
// the transaction of the change that needs it; done by the scheduler in one transaction with
// its effect, so it happens once for its due time.
struct Job {
  std::string id;
  std::string kind;   // activate-key, expire-key, expiry-reminder, revoke-key, rotation-grace-end,
                      // level-timeout, retention, approver-digest
  std::string refId;  // the key or application it concerns ("" for housekeeping)
  int64_t dueAt = 0;
  std::string payload = "{}";      // what the job needs to check it still applies
  std::string status = "PENDING";  // PENDING, DONE, FAILED, CANCELLED
  int attempts = 0;
  std::string lastError;
  int64_t createdAt = 0;
  int64_t doneAt = 0;
};

}  // namespace keywarden::engine
