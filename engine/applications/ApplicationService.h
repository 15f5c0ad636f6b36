#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/applications/ApplicationStateMachine.h"
#include "engine/base/Clock.h"
#include "engine/base/Result.h"
#include "engine/flows/FlowCatalog.h"
#include "engine/keys/KeyService.h"
#include "engine/model/AccessToken.h"
#include "engine/model/Application.h"
#include "engine/model/Job.h"
#include "engine/notices/LinkSigner.h"
#include "engine/notices/Notices.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// What a requester fills in (contract §4 POST /v1/applications). For a resubmission every
// field is optional: only those set change.
struct ApplicationInput {
  std::optional<AppKind> kind;
  std::optional<std::string> clientId, keyName, description, requesterEmail, keyId;
  std::optional<int64_t> effectiveAt, expiresAt, quota;
  std::optional<std::vector<std::string>> apis, groups, scopes;
  std::optional<KeyChanges> changes;
};

// A decision as asked for: by an approver token (as itself), an admin token (on behalf of
// `approver`) or an approver link (as the link's approver).
struct DecisionInput {
  AppEvent event = AppEvent::Approve;  // Approve, Reject or Return
  std::string approver;                // required for admins
  std::string comment;
  std::optional<int> level;  // links are bound to one level
  std::string linkId;        // a link's row, consumed with the decision
};

// What became of an approver link (for the pages behind GET/POST /approvals/{token}).
// Invalid: the form was not right (`field` says where, `message` what to fix); nothing was
// recorded and the link still works.
struct LinkOutcome {
  enum Kind { Show, Done, Used, Expired, Forged, Decided, Refused, Invalid } kind = Forged;
  std::optional<Application> application;
  std::string approver;
  std::string decision;  // Done: approve, reject or return
  std::string message;   // Refused, Invalid: why
  std::string field;     // Invalid: the form field to fix (decision, comment), or "" for the form
  std::string code;      // Refused, Invalid: the error code (error.code.<code> in strings.json)
  // The application as the page shows it (engine/notices/ApplicationView), when there is one.
  Poco::JSON::Object::Ptr view;
};

// What POST /v1/applications/{id}/remind did: who was sent a fresh link, at which level.
struct Reminder {
  Application application;
  std::vector<std::string> approvers;
};

// Applications through their approval flows. Every transition is one transaction holding the
// new state, the history row, the audit row and whatever the transition carries out (the key
// issued, changed or revoked). Concurrent transitions on one application: the first wins, the
// others see 409 (row version check). Thread-safe.
class ApplicationService {
 public:
  ApplicationService(Store& store, KeyService& keys, const FlowCatalog& flows, const Clock& clock,
                     const Notices& notices, const LinkSigner& links);

  Result<Application> submit(const Principal& p, const ApplicationInput& in);
  Result<Application> get(const Principal& p, const std::string& id);
  // `approver` non-empty: what waits for that approver now.
  Result<std::vector<Application>> list(const Principal& p, const AppFilter& f,
                                        const std::string& approver);
  Result<Application> withdraw(const Principal& p, const std::string& id);
  Result<Application> resubmit(const Principal& p, const std::string& id,
                               const ApplicationInput& changes);
  Result<Application> decide(const Principal& p, const std::string& id, const DecisionInput& d);
  // Sends `approval-requested` again, each with a fresh link, to every approver the application
  // waits for at its current level (waitingApprovers); earlier links stay valid until used,
  // voided or expired. Admins (of its tenant) and its requester. One transaction with the
  // audit row (application.remind). 409 INVALID_STATE unless IN_REVIEW; 409 REMINDED_RECENTLY
  // when a link for this level went out less than kRemindIntervalMs ago (level entry,
  // escalation, digest or an earlier reminder).
  Result<Reminder> remind(const Principal& p, const std::string& id);
  static constexpr int64_t kRemindIntervalMs = 60000;

  // Approver links: GET shows (never decides); POST decides as the link's approver, consuming
  // the link in the decision's transaction.
  LinkOutcome viewLink(const std::string& token);
  // Checks the decision and comment before anything is written (Invalid when they are wrong).
  LinkOutcome decideByLink(const std::string& token, const std::string& decision,
                           const std::string& comment);

  // A level-timeout job fell due: escalate, reject, approve or time out, as the level says
  // (decided as the system, recorded as such). Runs in the scheduler's transaction.
  void runTimeout(Transaction& tx, const Job& job, int64_t now);
  void onJobScheduled(std::function<void()> wake) { _jobWake = std::move(wake); }

  // A decision's comment as people write it: well-formed UTF-8 without control characters (tab
  // and line breaks allowed), at most kMaxTextChars characters — counted as characters, never
  // cut. Checked before anything is written; the error names the field `comment`.
  static std::optional<Error> checkComment(const std::string& comment);
  static constexpr size_t kMaxTextChars = 2000;  // comment, description
  // The rule behind checkComment for any free-text field and bound.
  static std::optional<Error> checkText(const std::string& field, const std::string& v,
                                        size_t maxChars);

  // The approvers of `a`'s current level (empty when not in review).
  static std::vector<std::string> currentApprovers(const Application& a);
  // Whether `approver` (lower-case) approved, rejected or returned `a` at its current level
  // since `a` last entered review: a return and resubmit starts every level afresh.
  static bool hasDecided(const Application& a, const std::string& approver);
  // Who `a` waits for now: the approvers of its current level who have not decided (hasDecided),
  // less its requester (who never decides on their own application).
  // The one rule behind "waiting for me" (GET /v1/applications?approver=), the daily digest,
  // the withdrawal notice and the "already decided" check.
  static std::vector<std::string> waitingApprovers(const Application& a);

 private:
  // The application number, e.g. KA-20261130-0007: kind, UTC day, a per-day sequence.
  static std::string nextNumber(Transaction& tx, AppKind kind, int64_t now);
  Result<Application> transition(
      const Principal& p, const std::string& id, AppEvent event,
      const std::function<std::optional<Error>(Transaction&, Application&)>& prepare,
      const DecisionInput* decision);
  static std::optional<Error> checkDescription(const ApplicationInput& in);
  // The application's target checked and its fields completed: the client, then for a new
  // key its spec, for a modify or revoke the key (keyToChange) and what it would become
  // (describeChange). Errors name the field.
  std::optional<Error> validate(Transaction& tx, const Principal& p, Application& a,
                                int64_t now) const;
  Result<Key> keyToChange(Transaction& tx, const Principal& p, const Application& a,
                          const Client& client, int64_t now) const;
  std::optional<Error> describeChange(Transaction& tx, Application& a, const Key& key,
                                      int64_t now) const;
  std::optional<Error> route(Transaction& tx, Application& a) const;
  std::optional<Error> apply(Transaction& tx, const Principal& p, Application& a,
                             const ApplicationStateMachine::Transition& t, const Decision* d,
                             int64_t now);
  // Runs `t` and, when it leaves `a` APPROVED, the Issue transition that carries it out, in
  // the same transaction: the one way an application reaches ISSUED. `facts` as `t` was found.
  std::optional<Error> applyThenIssue(Transaction& tx, const Principal& p, Application& a,
                                      const ApplicationStateMachine::Transition& t,
                                      const Decision* d,
                                      const ApplicationStateMachine::Facts& facts, int64_t now);
  std::optional<Error> carryOut(Transaction& tx, const Principal& p, Application& a, int64_t now);
  void scheduleTimeout(Transaction& tx, const Application& a, int64_t now) const;
  bool mayView(const Principal& p, const Application& a) const;
  void record(Transaction& tx, const Principal& p, Application& a, Decision d);

  Store& _store;
  KeyService& _keys;
  const FlowCatalog& _flows;
  const Clock& _clock;
  const Notices& _notices;
  const LinkSigner& _links;
  std::function<void()> _jobWake;
};

}  // namespace keywarden::engine
