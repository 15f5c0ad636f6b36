#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/Key.h"

namespace keywarden::engine {

enum class AppState {
  Submitted,
  InReview,
  Approved,
  Issued,
  Rejected,
  Returned,
  Withdrawn,
  TimedOut
};
enum class AppEvent { Submit, Approve, Reject, Return, Resubmit, Withdraw, Timeout, Issue };
enum class AppKind { New, Modify, Revoke };

std::string_view appStateName(AppState s);
std::optional<AppState> parseAppState(std::string_view s);
std::string_view appEventName(AppEvent e);
std::string_view appKindName(AppKind k);
std::optional<AppKind> parseAppKind(std::string_view s);

// A refill a `modify` application sets: interval None removes the key's refill.
struct RefillChange {
  int64_t amount = 0;
  RefillInterval interval = RefillInterval::None;
};

// A rate limit a `modify` application sets: limit 0 removes the key's rate limit.
struct RateLimitChange {
  int64_t limit = 0;
  int64_t windowMs = 0;
};

// What a `modify` application changes on its key when approved; unset fields stay as they are.
// Every field applies to the key's next check once the application is carried out (docs/API.md
// §6 "changes", docs/quota.md).
struct KeyChanges {
  std::optional<int64_t> effectiveAt;  // 0: now; only while the key is not active yet
  std::optional<int64_t> expiresAt;    // 0: no expiry
  std::optional<int64_t> quota;
  std::optional<RefillChange> refill;
  std::optional<RateLimitChange> rateLimit;
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::vector<std::string>> apis;
  std::optional<std::vector<std::string>> groups;
  // How mails and the approval page show the refill and rate-limit changes to people:
  // "refill 50 a day, rate limit 2 per 1m", "refill removed"; empty when neither changes.
  std::string limitsText() const;
  bool empty() const {
    return !effectiveAt && !expiresAt && !quota && !refill && !rateLimit && !scopes && !apis &&
           !groups;
  }
};

// One decision in an application's history.
struct Decision {
  std::string id;
  std::string applicationId;
  int level = 0;         // 0: not at a level (submission, withdrawal, issue)
  std::string event;     // approve, reject, return, submit, resubmit, withdraw, issue, timeout
  std::string approver;  // on whose behalf (an e-mail, or "system")
  std::string actor;     // who acted (token id, "approval-link", "system")
  std::string comment;
  int64_t at = 0;
};

// An application for a key (contract §4 "Applications").
struct Application {
  std::string id;
  std::string number;  // KA-/KU-/KR-yyyyMMdd-NNNN
  AppKind kind = AppKind::New;
  AppState state = AppState::Submitted;
  std::string tenant = "default";
  std::string clientId;
  std::string keyName;
  std::string description;
  std::string requesterEmail;
  int64_t effectiveAt = 0;
  int64_t expiresAt = 0;
  int64_t quota = -1;
  std::vector<std::string> apis;
  std::vector<std::string> groups;
  std::vector<std::string> scopes;
  std::string keyId;  // the key acted on (modify/revoke) or issued (new)
  KeyChanges changes;
  std::string flowId;
  std::string flowVersion;
  std::string flowSnapshot;  // the flow as it was when routed: decisions follow this, not the file
  int level = 0;             // 1-based current level while IN_REVIEW
  int levelCount = 0;
  int64_t createdAt = 0;
  int64_t updatedAt = 0;
  int64_t version = 0;  // optimistic concurrency: every transition bumps it
  std::vector<Decision> history;
};

}  // namespace keywarden::engine
