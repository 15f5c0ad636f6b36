#include "engine/applications/ApplicationService.h"
#include "engine/applications/ApplicationServiceDetail.h"

#include <Poco/String.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

#include "engine/base/Ids.h"
#include "engine/flows/FlowParser.h"
#include "engine/text/JsonText.h"
#include "engine/text/Validation.h"

namespace keywarden::engine {

using namespace application_detail;

ApplicationService::ApplicationService(Store& store, KeyService& keys, const FlowCatalog& flows,
                                       const Clock& clock, const Notices& notices,
                                       const LinkSigner& links)
    : _store(store), _keys(keys), _flows(flows), _clock(clock), _notices(notices), _links(links) {}

bool ApplicationService::mayView(const Principal& p, const Application& a) const {
  switch (p.role) {
    case Role::Admin:
      return p.seesTenant(a.tenant);
    case Role::Requester:
      return lower(p.email) == a.requesterEmail;
    case Role::Approver: {
      Flow f = snapshotOf(a);
      for (const auto& l : f.levels)
        if (l.isApprover(lower(p.email)) ||
            std::count(l.escalateTo.begin(), l.escalateTo.end(), lower(p.email)))
          return true;
      return false;
    }
    case Role::Gateway:
      return false;
  }
  return false;
}

void ApplicationService::record(Transaction& tx, const Principal& p, Application& a, Decision d) {
  d.id = Ids::make("dec");
  d.applicationId = a.id;
  if (d.actor.empty()) d.actor = p.actor();
  tx.applications().addDecision(d);
  a.history.push_back(d);
  tx.audit().append({d.at, d.actor, "application." + d.event, "application", a.id, a.tenant,
                     "{\"number\":" + JsonText::quoted(a.number) +
                         ",\"level\":" + std::to_string(d.level) +
                         ",\"onBehalfOf\":" + JsonText::quoted(d.approver) + "}"});
}

std::optional<Error> ApplicationService::validate(Transaction& tx, const Principal& p,
                                                  Application& a, int64_t now) const {
  if (a.clientId.empty())
    return Error::badInput("clientId", "clientId is required", "MISSING_FIELD");
  auto client = tx.catalog().findClient(a.clientId);
  if (!client || !p.seesTenant(client->tenant))
    return Error::badInput("clientId", "client '" + a.clientId + "' does not exist",
                           "UNKNOWN_CLIENT");
  if (!client->active)
    return Error::unprocessable("CLIENT_INACTIVE", "client '" + a.clientId + "' is not active",
                                "clientId");
  a.tenant = client->tenant;
  if (a.kind == AppKind::New) {
    if (auto e = _keys.checkSpec(tx, specOf(a), now)) {
      Error out = *e;
      if (out.field == "name")
        out.field = "keyName", out.message = "keyName" + out.message.substr(4);
      return out;
    }
    return std::nullopt;
  }
  auto key = keyToChange(tx, p, a, *client, now);
  if (!key) return key.error();
  if (a.keyName.empty()) a.keyName = key.value().name;
  return describeChange(tx, a, key.value(), now);
}

Result<Key> ApplicationService::keyToChange(Transaction& tx, const Principal& p,
                                            const Application& a, const Client& client,
                                            int64_t now) const {
  if (a.keyId.empty())
    return Error::badInput(
        "keyId", "keyId is required for a " + std::string(appKindName(a.kind)) + " application",
        "MISSING_FIELD");
  auto key = tx.keys().find(a.keyId);
  if (!key || key->clientId != a.clientId)
    return Error::badInput("keyId",
                           "key '" + a.keyId + "' does not exist for client '" + a.clientId + "'",
                           "UNKNOWN_KEY");
  KeyState eff = key->effectiveState(now);
  if (eff == KeyState::Revoked || eff == KeyState::Expired)
    return Error::conflict("INVALID_STATE",
                           "key '" + a.keyId + "' is " + std::string(keyStateName(eff)), "keyId");
  if (p.role == Role::Requester) {
    auto origin =
        key->applicationId.empty() ? std::nullopt : tx.applications().find(key->applicationId);
    bool holder = (origin && origin->requesterEmail == lower(p.email)) ||
                  lower(client.contactEmail) == lower(p.email);
    if (!holder)
      return Error::forbidden(
          "NOT_KEY_HOLDER",
          "only the key's requester or its client's contact may ask to change it");
  }
  return std::move(*key);
}

std::optional<Error> ApplicationService::describeChange(Transaction& tx, Application& a,
                                                        const Key& key, int64_t now) const {
  if (a.kind != AppKind::Modify) {  // revoke: the key as it is
    a.scopes = key.scopes;
    a.apis = key.apis;
    a.groups = key.groups;
    a.expiresAt = key.expiresAt;
    a.quota = key.quota;
    return std::nullopt;
  }
  if (a.changes.empty())
    return Error::badInput("changes",
                           "changes must set effectiveAt, expiresAt, quota, refill, rateLimit, "
                           "scopes, apis or groups",
                           "MISSING_FIELD");
  if (auto e = _keys.checkChanges(tx, key, a.changes, now)) {
    Error out = *e;
    out.field = "changes." + out.field;
    return out;
  }
  // What routing and reviewers look at is the key as it would be.
  KeySpec s = KeyService::specAfter(key, a.changes);
  a.scopes = s.scopes;
  a.apis = s.apis;
  a.groups = s.groups;
  a.expiresAt = s.expiresAt;
  a.quota = s.quota;
  a.effectiveAt = s.effectiveAt;
  return std::nullopt;
}

std::optional<Error> ApplicationService::carryOut(Transaction& tx, const Principal&, Application& a,
                                                  int64_t now) {
  Principal system = systemFor(a);
  std::string detail;
  if (a.kind == AppKind::New) {
    KeySpec s = specOf(a);
    s.tenant.clear();  // the client decides
    s.applicationId = a.id;
    auto issued = _keys.issueIn(tx, system, s, now);
    if (!issued) return issued.error();
    a.keyId = issued.value().key.id;
    // The plaintext leaves only sealed, in the delivery mail; it is never stored in the clear.
    _notices.keyIssued(tx, a, issued.value().key, issued.value().plaintext, now);
  } else if (a.kind == AppKind::Modify) {
    auto r = _keys.modifyIn(tx, system, a.keyId, a.changes, now);
    if (!r) return r.error();
    _notices.applicationApproved(tx, a, now);
  } else {
    auto r = _keys.revokeIn(tx, system, a.keyId, "application " + a.number, now);
    if (!r) return r.error();
    _notices.applicationApproved(tx, a, now);
  }
  return std::nullopt;
}

std::optional<Error> ApplicationService::apply(Transaction& tx, const Principal& p, Application& a,
                                               const ApplicationStateMachine::Transition& t,
                                               const Decision* d, int64_t now) {
  using A = ApplicationStateMachine::Action;
  const std::vector<std::string> waiting = waitingApprovers(a);
  const int levelBefore = a.level;
  bool entered = false;
  for (A action : t.actions) {
    switch (action) {
      case A::EnterFirstLevel:
        a.level = 1;
        entered = true;
        break;
      case A::NextLevel:
        ++a.level;
        entered = true;
        break;
      case A::ClearLevel:
        a.level = 0;
        break;
      case A::ApplyChanges:
        break;  // merged and re-validated before the transition
      case A::RecordDecision:
        record(tx, p, a, *d);
        break;
      case A::CarryOut:
        if (auto e = carryOut(tx, p, a, now)) return e;
        record(tx, p, a,
               Decision{"", a.id, 0, "issue", "system", systemFor(a).actor(), a.keyId, now});
        break;
    }
  }
  a.state = t.to;
  if (a.level != levelBefore || a.state != AppState::InReview) {
    // The level was decided or review ended: links issued for it decide nothing any more.
    tx.outbox().voidLinks(a.id);
    tx.jobs().cancel(jobKindName(JobKind::LevelTimeout), a.id, now);
  }
  if (entered && a.state == AppState::InReview) {
    _notices.levelEntered(tx, a, now);
    scheduleTimeout(tx, a, now);
  }
  if (d && d->level > 0 && a.state != AppState::Withdrawn &&
      (a.level != levelBefore || a.state != AppState::InReview))
    _notices.levelDecided(tx, a, *d, waiting, now);  // the others need not act; progress
  if ((a.state == AppState::Rejected || a.state == AppState::Returned) && d)
    _notices.decided(tx, a, *d, now);
  if (a.state == AppState::Withdrawn)
    _notices.withdrawn(tx, a, waiting, p.role == Role::Requester, p.actor(), now);
  return std::nullopt;
}

std::optional<Error> ApplicationService::applyThenIssue(
    Transaction& tx, const Principal& p, Application& a,
    const ApplicationStateMachine::Transition& t, const Decision* d,
    const ApplicationStateMachine::Facts& facts, int64_t now) {
  if (auto e = apply(tx, p, a, t, d, now)) return e;
  if (a.state != AppState::Approved) return std::nullopt;
  auto issue = ApplicationStateMachine::find(a.state, AppEvent::Issue, facts);
  return apply(tx, p, a, *issue, nullptr, now);
}

Result<Application> ApplicationService::submit(const Principal& p, const ApplicationInput& in) {
  if (p.role != Role::Admin && p.role != Role::Requester)
    return Error::forbidden("FORBIDDEN_ROLE",
                            "only requester and admin tokens submit applications");
  Application a;
  if (!in.kind)
    return Error::badInput("kind", "kind is required: new, modify or revoke", "MISSING_FIELD");
  a.kind = *in.kind;
  a.clientId = in.clientId.value_or("");
  a.keyName = in.keyName.value_or("");
  a.description = in.description.value_or("");
  a.keyId = in.keyId.value_or("");
  a.effectiveAt = in.effectiveAt.value_or(0);
  a.expiresAt = in.expiresAt.value_or(0);
  a.quota = in.quota.value_or(-1);
  a.apis = in.apis.value_or(std::vector<std::string>{});
  a.groups = in.groups.value_or(std::vector<std::string>{});
  a.scopes = in.scopes.value_or(std::vector<std::string>{});
  a.changes = in.changes.value_or(KeyChanges{});
  if (auto e = checkDescription(in)) return *e;
  if (a.kind != AppKind::Modify && in.changes)
    return Error::badInput("changes", "changes belong to modify applications");
  if (a.kind == AppKind::New && in.keyId)
    return Error::badInput("keyId", "a new application has no keyId");
  std::string requester = lower(in.requesterEmail.value_or(""));
  if (p.role == Role::Requester) {
    if (!requester.empty() && requester != lower(p.email))
      return Error::forbidden("REQUESTER_MISMATCH",
                              "a requester token submits as its own e-mail (" + p.email + ")");
    requester = lower(p.email);
  }
  if (requester.empty())
    return Error::badInput("requesterEmail", "requesterEmail is required", "MISSING_FIELD");
  if (auto e = Validation::email("requesterEmail", requester)) return *e;
  a.requesterEmail = requester;
  int64_t now = _clock.nowMs();
  a.createdAt = a.updatedAt = now;
  a.id = Ids::make("app");
  a.version = 1;
  return _store.write([&](Transaction& tx) -> Result<Application> {
    if (auto e = validate(tx, p, a, now)) return *e;
    if (auto e = route(tx, a)) return *e;
    a.number = nextNumber(tx, a.kind, now);
    record(tx, p, a, Decision{"", a.id, 0, "submit", a.requesterEmail, "", a.description, now});
    ApplicationStateMachine::Facts facts{a.levelCount > 0, false, false};
    auto t = ApplicationStateMachine::find(a.state, AppEvent::Submit, facts);
    if (auto e = applyThenIssue(tx, p, a, *t, nullptr, facts, now)) return *e;
    tx.applications().insert(a);
    return a;
  });
}

std::string ApplicationService::nextNumber(Transaction& tx, AppKind kind, int64_t now) {
  static const char* prefixes[] = {"KA", "KU", "KR"};
  time_t secs = static_cast<time_t>(now / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char day[16];
  strftime(day, sizeof day, "%Y%m%d", &tm);
  std::string series = std::string(prefixes[static_cast<int>(kind)]) + "-" + day;
  char number[48];
  snprintf(number, sizeof number, "%s-%04lld", series.c_str(),
           static_cast<long long>(tx.applications().nextSequence("application:" + series)));
  return number;
}

Result<Application> ApplicationService::get(const Principal& p, const std::string& id) {
  std::optional<Application> a;
  _store.read([&](Transaction& tx) { a = tx.applications().find(id); });
  if (!a || !mayView(p, *a)) return Error::notFound("application", id);
  return std::move(*a);
}

Result<std::vector<Application>> ApplicationService::list(const Principal& p, const AppFilter& in,
                                                          const std::string& approverIn) {
  AppFilter f = in;
  std::string approver = lower(approverIn);
  f.requester = lower(f.requester);
  if (p.role == Role::Gateway)
    return Error::forbidden("FORBIDDEN_ROLE", "gateway tokens do not read applications");
  if (p.role == Role::Requester) {
    if (!f.requester.empty() && f.requester != lower(p.email))
      return Error::forbidden("FORBIDDEN", "a requester token lists only its own applications");
    f.requester = lower(p.email);
  }
  if (p.role == Role::Approver) {
    if (!approver.empty() && approver != lower(p.email))
      return Error::forbidden("FORBIDDEN", "an approver token lists only what waits for itself");
  }
  if (p.role == Role::Admin) {
    if (!f.tenant.empty() && !p.seesTenant(f.tenant))
      return Error::forbidden("TENANT_FORBIDDEN",
                              "this token may not read tenant '" + f.tenant + "'");
    if (f.tenant.empty()) f.tenant = p.tenant;
  }
  if (!approver.empty()) f.state = AppState::InReview;
  std::vector<Application> all;
  _store.read([&](Transaction& tx) {
    all = tx.applications().list(f);
    if (!approver
             .empty())  // decisions so far are needed to leave out what this approver already did
      for (auto& a : all) a = tx.applications().find(a.id).value_or(a);
  });
  std::vector<Application> out;
  for (auto& a : all) {
    if (!mayView(p, a)) continue;
    if (!approver.empty()) {
      auto who = waitingApprovers(a);
      if (std::find(who.begin(), who.end(), approver) == who.end()) continue;
    }
    out.push_back(std::move(a));
  }
  return out;
}

Result<Application> ApplicationService::transition(
    const Principal& p, const std::string& id, AppEvent event,
    const std::function<std::optional<Error>(Transaction&, Application&)>& prepare,
    const DecisionInput* input) {
  int64_t now = _clock.nowMs();
  return _store.write([&](Transaction& tx) -> Result<Application> {
    auto found = tx.applications().find(id);
    if (!found || !mayView(p, *found)) return Error::notFound("application", id);
    Application a = std::move(*found);
    int64_t expected = a.version;
    if (auto e = prepare(tx, a)) return *e;
    ApplicationStateMachine::Facts facts{a.levelCount > 0, false, a.level == a.levelCount};
    std::optional<Decision> decision;
    if (input) {
      decision =
          Decision{"", a.id,           a.level, std::string(appEventName(event)), input->approver,
                   "", input->comment, now};
      if (event == AppEvent::Approve) {
        std::set<std::string> approved{input->approver};
        for (const Decision* d : levelDecisions(a))
          if (d->event == "approve") approved.insert(d->approver);
        facts.levelComplete = snapshotOf(a).levels[a.level - 1].satisfiedBy(approved);
      }
    }
    auto t = ApplicationStateMachine::find(a.state, event, facts);
    if (!t) return stateConflict(a, event);
    if (auto e = applyThenIssue(tx, p, a, *t, decision ? &*decision : nullptr, facts, now))
      return *e;
    a.updatedAt = now;
    a.version = expected + 1;
    if (!tx.applications().update(a, expected))
      return Error::conflict("CONCURRENT_UPDATE",
                             "application " + a.number + " changed meanwhile; reload it");
    return a;
  });
}

Result<Application> ApplicationService::withdraw(const Principal& p, const std::string& id) {
  if (p.role != Role::Admin && p.role != Role::Requester)
    return Error::forbidden("FORBIDDEN_ROLE",
                            "only the requester (or an admin) withdraws an application");
  return transition(
      p, id, AppEvent::Withdraw,
      [&](Transaction& tx, Application& a) -> std::optional<Error> {
        if (!ApplicationStateMachine::find(a.state, AppEvent::Withdraw, {}))
          return stateConflict(a, AppEvent::Withdraw);
        record(tx, p, a,
               Decision{"", a.id, a.level, "withdraw", a.requesterEmail, "", "", _clock.nowMs()});
        return std::nullopt;
      },
      nullptr);
}

Result<Application> ApplicationService::resubmit(const Principal& p, const std::string& id,
                                                 const ApplicationInput& in) {
  if (p.role != Role::Admin && p.role != Role::Requester)
    return Error::forbidden("FORBIDDEN_ROLE",
                            "only the requester (or an admin) resubmits an application");
  if (in.kind || in.clientId || in.requesterEmail || in.keyId)
    return Error::badInput(
        in.kind             ? "kind"
        : in.clientId       ? "clientId"
        : in.requesterEmail ? "requesterEmail"
                            : "keyId",
        "kind, clientId, requesterEmail and keyId cannot change on resubmission");
  if (auto e = checkDescription(in)) return *e;  // before the transaction
  return transition(
      p, id, AppEvent::Resubmit,
      [&](Transaction& tx, Application& a) -> std::optional<Error> {
        if (a.state != AppState::Returned) return stateConflict(a, AppEvent::Resubmit);
        if (in.keyName) a.keyName = *in.keyName;
        if (in.description) a.description = *in.description;
        if (in.effectiveAt) a.effectiveAt = *in.effectiveAt;
        if (in.expiresAt) a.expiresAt = *in.expiresAt;
        if (in.quota) a.quota = *in.quota;
        if (in.apis) a.apis = *in.apis;
        if (in.groups) a.groups = *in.groups;
        if (in.scopes) a.scopes = *in.scopes;
        if (in.changes) {
          if (a.kind != AppKind::Modify)
            return Error::badInput("changes", "changes belong to modify applications");
          a.changes = *in.changes;
        }
        int64_t now = _clock.nowMs();
        if (auto e = validate(tx, p, a, now)) return e;
        if (auto e = route(tx, a)) return e;  // the changes may call for another flow
        record(tx, p, a,
               Decision{"", a.id, 0, "resubmit", a.requesterEmail, "", a.description, now});
        return std::nullopt;
      },
      nullptr);
}

Result<Application> ApplicationService::decide(const Principal& p, const std::string& id,
                                               const DecisionInput& in) {
  DecisionInput d = in;
  if (d.event != AppEvent::Approve && d.event != AppEvent::Reject && d.event != AppEvent::Return)
    return Error::badInput("decision", "decision must be approve, reject or return");
  if (p.role == Role::Approver) {
    if (!d.approver.empty() && lower(d.approver) != lower(p.email))
      return Error::forbidden("FORBIDDEN", "an approver token decides as itself");
    d.approver = p.email;
  } else if (p.role == Role::Admin) {
    if (d.approver.empty())
      return Error::badInput("approver",
                             "an admin decides on behalf of an approver: approver is required",
                             "MISSING_FIELD");
  } else {
    return Error::forbidden("FORBIDDEN_ROLE", "only approver and admin tokens decide");
  }
  d.approver = lower(d.approver);
  if (auto e = checkComment(d.comment)) return *e;  // before anything is written
  return transition(
      p, id, d.event,
      [&](Transaction& tx, Application& a) -> std::optional<Error> {
        if (!d.linkId.empty() && !tx.outbox().consumeLink(d.linkId, _clock.nowMs()))
          return Error::conflict("LINK_USED", "this link was used already");
        if (a.state != AppState::InReview) return stateConflict(a, d.event);
        if (d.level && *d.level != a.level)
          return Error::conflict("LEVEL_DECIDED", "level " + std::to_string(*d.level) +
                                                      " of application " + a.number +
                                                      " was already decided");
        if (d.approver == a.requesterEmail)
          return Error::forbidden("SELF_APPROVAL",
                                  "a requester never decides on their own application");
        auto who = currentApprovers(a);
        if (std::find(who.begin(), who.end(), d.approver) == who.end())
          return Error::forbidden("NOT_AN_APPROVER", d.approver + " is not an approver of level " +
                                                         std::to_string(a.level) +
                                                         " of application " + a.number);
        if (hasDecided(a, d.approver))
          return Error::conflict("ALREADY_DECIDED", d.approver + " already decided on level " +
                                                        std::to_string(a.level));
        return std::nullopt;
      },
      &d);
}

}  // namespace keywarden::engine
