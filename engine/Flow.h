#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace keywarden::engine {

// An approval flow (contract §5), as loaded from workflows/*.json. Immutable once loaded.
struct FlowLevel {
  enum class Policy { Any, All, Quorum };
  enum class OnTimeout { None, Escalate, Reject, Approve };

  std::string name;
  std::vector<std::string> approvers;  // e-mail addresses, lower-cased
  Policy policy = Policy::Any;
  int quorum = 0;         // Quorum only
  int64_t timeoutMs = 0;  // 0: none
  OnTimeout onTimeout = OnTimeout::None;
  std::vector<std::string> escalateTo;

  bool isApprover(const std::string& email) const;
  // Whether the approvals gathered so far complete this level.
  bool satisfiedBy(const std::set<std::string>& approvedBy) const;
};

struct FlowMatch {
  std::vector<std::string> scopes;         // patterns with '*'; any requested scope matching one
  std::vector<std::string> clientTypes;    // empty: any
  std::vector<std::string> tenants;        // empty: any
  std::vector<std::string> kinds;          // new, modify, revoke; empty: any
  std::optional<int64_t> minQuota;         // applies when quota >= minQuota or unlimited
  std::optional<int64_t> maxLifetimeDays;  // applies when the key lives at most this long
};

struct Flow {
  std::string id;
  std::string name;
  int64_t priority = 0;
  FlowMatch match;
  std::vector<FlowLevel> levels;
  std::string version;  // digest of the definition: what an application records
  std::string source;   // file it came from
};

// What routing looks at in an application.
struct RoutingFacts {
  std::string kind;
  std::vector<std::string> scopes;
  std::string clientType;
  std::string tenant;
  int64_t quota = -1;
  int64_t lifetimeMs = 0;  // 0: no expiry
};

// True when `pattern` (with '*' standing for any run of characters) matches `text` whole.
bool globMatch(const std::string& pattern, const std::string& text);
bool flowMatches(const Flow& f, const RoutingFacts& facts);

}  // namespace keywarden::engine
