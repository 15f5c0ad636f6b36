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
  // The policy in words, as mails and pages say it (contract §5): "every one of them must
  // approve"; one rejection or return always decides a level.
  std::string policyText() const;
};

// What a flow takes (contract §5). Every list that is not empty must be met, and so must each
// bound that is set. The scope rule judges what the key would *hold*: a pattern matches when any
// scope the key would hold could match it (see scopeCouldMatch), so `orders:*` and `*` are judged
// as holding `orders:write`.
struct FlowMatch {
  std::vector<std::string> scopes;         // patterns, each '*' any run of characters
  std::vector<std::string> clientTypes;    // empty: any; compared without regard to ASCII case
  std::vector<std::string> tenants;        // empty: any; compared without regard to ASCII case
  std::vector<std::string> kinds;          // new, modify, revoke; empty: any
  std::optional<int64_t> minQuota;         // applies when quota >= minQuota or unlimited (-1)
  std::optional<int64_t> maxLifetimeDays;  // applies when the key expires at most this long after
                                           // it starts; a key without expiry never fits
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

// What routing looks at in an application: the key as it would be once carried out.
struct RoutingFacts {
  std::string kind;
  // Every scope the key would hold or be granted through: the scopes asked for, the scopes of
  // the APIs asked for and of the APIs in the groups asked for; `*` for a key with no scopes,
  // APIs or groups (contract §4: such a key is unrestricted).
  std::vector<std::string> scopes;
  std::string clientType;
  std::string tenant;
  int64_t quota = -1;                 // -1: unlimited
  std::optional<int64_t> lifetimeMs;  // nullopt: no expiry (an infinite lifetime)
};

// True when `pattern` (with '*' standing for any run of characters) matches `text` whole.
bool globMatch(const std::string& pattern, const std::string& text);

// True when a key holding scope `held` holds at least one scope that the flow pattern `pattern`
// matches (globMatch). What a held scope holds is the check path's rule (ApiCatalog scopeHolds,
// contract §4): a trailing '*' holds every scope that starts with the rest (`orders:*` holds
// `orders:write`, `*` holds everything); any other character, '*' included, stands for itself.
// So `*:write` could match `orders:*` and `*`, but not `orders:read` nor `orders:w`.
bool scopeCouldMatch(const std::string& pattern, const std::string& held);

bool flowMatches(const Flow& f, const RoutingFacts& facts);

}  // namespace keywarden::engine
