#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keywarden::engine {

// The kinds of scheduled work (README "Scheduled work"; contract §2 keys.expiryReminder, §3
// states, §5 timeouts). Who writes and who runs each: engine/jobs/JobRunners.
enum class JobKind {
  ActivateKey,       // a key's effectiveAt
  ExpireKey,         // a key's expiresAt
  ExpiryReminder,    // keys.expiryReminder before expiresAt
  RevokeKey,         // a planned revocation
  RotationGraceEnd,  // the old key of a rotation
  LevelTimeout,      // an application's level with a timeout
  Retention,         // daily purge
  ApproverDigest,    // daily mail to approvers
};
constexpr JobKind kJobKinds[] = {JobKind::ActivateKey,      JobKind::ExpireKey,
                                 JobKind::ExpiryReminder,   JobKind::RevokeKey,
                                 JobKind::RotationGraceEnd, JobKind::LevelTimeout,
                                 JobKind::Retention,        JobKind::ApproverDigest};

// The name kept in the jobs table and shown by GET /v1/jobs ("activate-key", …).
constexpr const char* jobKindName(JobKind k) {
  switch (k) {
    case JobKind::ActivateKey:
      return "activate-key";
    case JobKind::ExpireKey:
      return "expire-key";
    case JobKind::ExpiryReminder:
      return "expiry-reminder";
    case JobKind::RevokeKey:
      return "revoke-key";
    case JobKind::RotationGraceEnd:
      return "rotation-grace-end";
    case JobKind::LevelTimeout:
      return "level-timeout";
    case JobKind::Retention:
      return "retention";
    case JobKind::ApproverDigest:
      return "approver-digest";
  }
  return "";
}

// The kind named `name`; nullopt for a name no kind has.
inline std::optional<JobKind> parseJobKind(std::string_view name) {
  for (JobKind k : kJobKinds)
    if (name == jobKindName(k)) return k;
  return std::nullopt;
}

// A unit of scheduled work (contract §2 keys.expiryReminder, §3 states, §5 timeouts). Written in
// the transaction of the change that needs it; done by the scheduler in one transaction with
// its effect, so it happens once for its due time.
struct Job {
  std::string id;
  std::string kind;   // jobKindName(JobKind), as stored
  std::string refId;  // the key or application it concerns ("" for housekeeping)
  int64_t dueAt = 0;
  std::string payload = "{}";      // what the job needs to check it still applies
  std::string status = "PENDING";  // PENDING, DONE, FAILED, CANCELLED
  int attempts = 0;
  std::string lastError;
  int64_t createdAt = 0;
  int64_t doneAt = 0;

  bool is(JobKind k) const { return kind == jobKindName(k); }
};

}  // namespace keywarden::engine
