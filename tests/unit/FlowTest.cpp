#include <cppunit/extensions/HelperMacros.h>

#include "engine/ApplicationStateMachine.h"
#include "engine/FlowCatalog.h"
#include "engine/FlowParser.h"

using namespace keywarden::engine;

namespace {
const char* kTwoLevels = R"({
  "id": "write-access", "priority": 10,
  "match": { "scopes": ["*:write"], "clientTypes": [], "tenants": [], "minQuota": null, "maxLifetimeDays": null },
  "levels": [
    { "name": "Team lead", "approvers": ["Lead@Example.com"], "policy": "any",
      "timeout": "48h", "onTimeout": "escalate", "escalateTo": ["head@example.com"] },
    { "name": "Security", "approvers": ["sec1@example.com", "sec2@example.com"], "policy": "all" }
  ]})";

std::string errorOf(const std::string& json) {
  try {
    FlowParser::parse(json, "flows/x.json");
  } catch (const FlowError& e) {
    return e.what();
  }
  return "";
}

Flow flow(const std::string& id, int64_t priority, const std::string& match) {
  return FlowParser::parse(R"({"id":")" + id + R"(","priority":)" + std::to_string(priority) +
                               R"(,"match":)" + match + R"(,"levels":[]})",
                           id);
}
}  // namespace

class FlowTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(FlowTest);
  CPPUNIT_TEST(contractExampleParsesAndRoundTrips);
  CPPUNIT_TEST(everyKindOfBrokenFileNamesThePlaceAndReason);
  CPPUNIT_TEST(policiesCountEachApproverOnce);
  CPPUNIT_TEST(routingTakesHighestPriorityThatMatches);
  CPPUNIT_TEST(globMatchesScopes);
  CPPUNIT_TEST(stateMachineAllowsExactlyTheTable);
  CPPUNIT_TEST(stateMachineGuardsPickTheRow);
  CPPUNIT_TEST_SUITE_END();

 public:
  void contractExampleParsesAndRoundTrips() {
    Flow f = FlowParser::parse(kTwoLevels, "write.json");
    CPPUNIT_ASSERT_EQUAL(std::string("write-access"), f.id);
    CPPUNIT_ASSERT_EQUAL(size_t(2), f.levels.size());
    CPPUNIT_ASSERT_EQUAL(std::string("lead@example.com"), f.levels[0].approvers[0]);  // lower-cased
    CPPUNIT_ASSERT_EQUAL(int64_t(48 * 3600000), f.levels[0].timeoutMs);
    CPPUNIT_ASSERT(f.levels[0].onTimeout == FlowLevel::OnTimeout::Escalate);
    CPPUNIT_ASSERT(f.levels[1].policy == FlowLevel::Policy::All);
    Flow again = FlowParser::parse(FlowParser::toJson(f), "snapshot");
    CPPUNIT_ASSERT_EQUAL(FlowParser::toJson(f), FlowParser::toJson(again));
    CPPUNIT_ASSERT_EQUAL(f.version, again.version);
    CPPUNIT_ASSERT_EQUAL(size_t(16), f.version.size());
  }

  void everyKindOfBrokenFileNamesThePlaceAndReason() {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"{", "not valid JSON"},
        {"[]", "one JSON object"},
        {R"({"priority":1,"levels":[]})", "id: is required"},
        {R"({"id":"a b","levels":[]})", "id: must be"},
        {R"({"id":"a","levels":[],"colour":"red"})", "colour: unknown field"},
        {R"({"id":"a"})", "levels: is required"},
        {R"({"id":"a","priority":"high","levels":[]})", "priority: must be a whole number"},
        {R"({"id":"a","match":{"scope":["x"]},"levels":[]})", "match.scope: unknown field"},
        {R"({"id":"a","match":{"kinds":["renew"]},"levels":[]})", "match.kinds[0]"},
        {R"({"id":"a","match":{"minQuota":-5},"levels":[]})", "match.minQuota"},
        {R"({"id":"a","levels":[{"name":"L","approvers":[],"policy":"any"}]})",
         "levels[0].approvers: must list"},
        {R"({"id":"a","levels":[{"name":"L","approvers":["x"],"policy":"any"}]})",
         "levels[0].approvers[0]"},
        {R"({"id":"a","levels":[{"name":"L","approvers":["a@x.io","A@x.io"],"policy":"any"}]})",
         "listed twice"},
        {R"({"id":"a","levels":[{"name":"L","approvers":["a@x.io"],"policy":"most"}]})",
         "levels[0].policy"},
        {R"({"id":"a","levels":[{"name":"L","approvers":["a@x.io"]}]})",
         "levels[0].policy: is required"},
        {R"({"id":"a","levels":[{"name":"L","approvers":["a@x.io"],"policy":{"quorum":2}}]})",
         "policy.quorum"},
        {R"({"id":"a","levels":[{"name":"L","approvers":["a@x.io"],"policy":{"majority":1}}]})",
         "levels[0].policy"},
        {R"({"id":"a","levels":[{"name":"L","approvers":["a@x.io"],"policy":"any","timeout":"2 days","onTimeout":"reject"}]})",
         "levels[0].timeout"},
        {R"({"id":"a","levels":[{"name":"L","approvers":["a@x.io"],"policy":"any","timeout":"2d"}]})",
         "levels[0].onTimeout: is required"},
        {R"({"id":"a","levels":[{"name":"L","approvers":["a@x.io"],"policy":"any","timeout":"2d","onTimeout":"escalate"}]})",
         "levels[0].escalateTo: must list"},
        {R"({"id":"a","levels":[{"name":"L","approvers":["a@x.io"],"policy":"any","timeout":"2d","onTimeout":"panic"}]})",
         "levels[0].onTimeout"},
        {R"({"id":"a","levels":[{"name":"L","approvers":["a@x.io"],"policy":"any","onTimeout":"reject"}]})",
         "levels[0].timeout: is required"},
        {R"({"id":"a","levels":[{"approvers":["a@x.io"],"policy":"any"}]})",
         "levels[0].name: is required"},
        {R"({"id":"a","levels":[5]})", "levels[0]: must be an object"},
    };
    for (const auto& [json, want] : cases) {
      std::string err = errorOf(json);
      CPPUNIT_ASSERT_MESSAGE("accepted: " + json, !err.empty());
      CPPUNIT_ASSERT_MESSAGE(err + "  (wanted: " + want + ")", err.find(want) != std::string::npos);
      CPPUNIT_ASSERT_MESSAGE(err, err.rfind("flows/x.json: ", 0) == 0);
    }
  }

  void policiesCountEachApproverOnce() {
    FlowLevel l;
    l.approvers = {"a@x", "b@x", "c@x"};
    l.policy = FlowLevel::Policy::Any;
    CPPUNIT_ASSERT(!l.satisfiedBy({}));
    CPPUNIT_ASSERT(l.satisfiedBy({"b@x"}));
    CPPUNIT_ASSERT(!l.satisfiedBy({"stranger@x"}));
    l.policy = FlowLevel::Policy::All;
    CPPUNIT_ASSERT(!l.satisfiedBy({"a@x", "b@x"}));
    CPPUNIT_ASSERT(l.satisfiedBy({"a@x", "b@x", "c@x"}));
    l.policy = FlowLevel::Policy::Quorum;
    l.quorum = 2;
    CPPUNIT_ASSERT(!l.satisfiedBy({"a@x", "stranger@x"}));
    CPPUNIT_ASSERT(l.satisfiedBy({"a@x", "c@x"}));
  }

  void routingTakesHighestPriorityThatMatches() {
    FlowCatalog c({flow("default", 0, "{}"), flow("write", 10, R"({"scopes":["*:write"]})"),
                   flow("partners", 20, R"({"clientTypes":["partner"],"tenants":["acme"]})"),
                   flow("big", 5, R"({"minQuota":1000})"),
                   flow("short", 7, R"({"maxLifetimeDays":30})"),
                   flow("revoke", 30, R"({"kinds":["revoke"]})")});
    RoutingFacts f;
    f.kind = "new";
    f.scopes = {"orders:read"};
    f.clientType = "web";
    f.tenant = "default";
    f.quota = 10;
    CPPUNIT_ASSERT_EQUAL(std::string("default"), c.route(f)->id);
    f.scopes = {"orders:read", "orders:write"};
    CPPUNIT_ASSERT_EQUAL(std::string("write"), c.route(f)->id);
    f.clientType = "partner";
    CPPUNIT_ASSERT_EQUAL(std::string("write"), c.route(f)->id);  // partners is for tenant acme only
    f.tenant = "acme";
    CPPUNIT_ASSERT_EQUAL(std::string("partners"), c.route(f)->id);
    f.kind = "revoke";
    CPPUNIT_ASSERT_EQUAL(std::string("revoke"), c.route(f)->id);
    RoutingFacts big;
    big.kind = "new";
    big.quota = 5000;
    CPPUNIT_ASSERT_EQUAL(std::string("big"), c.route(big)->id);
    big.quota = -1;  // unlimited is above every threshold
    CPPUNIT_ASSERT_EQUAL(std::string("big"), c.route(big)->id);
    big.quota = 10;
    big.lifetimeMs = 10LL * 86400000;
    CPPUNIT_ASSERT_EQUAL(std::string("short"), c.route(big)->id);
    big.lifetimeMs = 31LL * 86400000;
    CPPUNIT_ASSERT_EQUAL(std::string("default"), c.route(big)->id);
    CPPUNIT_ASSERT(FlowCatalog({flow("only-write", 1, R"({"scopes":["*:write"]})")}).route(big) ==
                   nullptr);
  }

  void globMatchesScopes() {
    CPPUNIT_ASSERT(globMatch("*:write", "orders:write"));
    CPPUNIT_ASSERT(!globMatch("*:write", "orders:writer"));
    CPPUNIT_ASSERT(globMatch("orders:*", "orders:read"));
    CPPUNIT_ASSERT(globMatch("*", "anything"));
    CPPUNIT_ASSERT(globMatch("a*b*c", "aXXbYYc"));
    CPPUNIT_ASSERT(!globMatch("a*b*c", "aXXbYY"));
    CPPUNIT_ASSERT(globMatch("exact", "exact"));
  }

  void stateMachineAllowsExactlyTheTable() {
    using S = AppState;
    using E = AppEvent;
    // Every (state, event) pair, with the guards most permissive for it: allowed iff listed.
    const std::set<std::pair<S, E>> allowed = {
        {S::Submitted, E::Submit}, {S::Submitted, E::Withdraw}, {S::InReview, E::Approve},
        {S::InReview, E::Reject},  {S::InReview, E::Return},    {S::InReview, E::Withdraw},
        {S::InReview, E::Timeout}, {S::Returned, E::Resubmit},  {S::Returned, E::Withdraw},
        {S::Approved, E::Issue}};
    for (int s = 0; s < 8; ++s)
      for (int e = 0; e < 8; ++e) {
        auto state = static_cast<S>(s);
        auto event = static_cast<E>(e);
        bool any = false;
        for (bool levels : {false, true})
          for (bool done : {false, true})
            for (bool last : {false, true})
              any = any ||
                    ApplicationStateMachine::find(state, event, {levels, done, last}).has_value();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(
            std::string(appStateName(state)) + " + " + std::string(appEventName(event)),
            allowed.count({state, event}) == 1, any);
      }
  }

  void stateMachineGuardsPickTheRow() {
    using S = AppState;
    using E = AppEvent;
    CPPUNIT_ASSERT(
        ApplicationStateMachine::find(S::Submitted, E::Submit, {true, false, false})->to ==
        S::InReview);
    CPPUNIT_ASSERT(
        ApplicationStateMachine::find(S::Submitted, E::Submit, {false, false, false})->to ==
        S::Approved);
    CPPUNIT_ASSERT(
        ApplicationStateMachine::find(S::InReview, E::Approve, {true, false, false})->to ==
        S::InReview);
    auto next = ApplicationStateMachine::find(S::InReview, E::Approve, {true, true, false});
    CPPUNIT_ASSERT(next->to == S::InReview);
    CPPUNIT_ASSERT(next->actions.back() == ApplicationStateMachine::Action::NextLevel);
    CPPUNIT_ASSERT(ApplicationStateMachine::find(S::InReview, E::Approve, {true, true, true})->to ==
                   S::Approved);
    CPPUNIT_ASSERT(
        ApplicationStateMachine::find(S::Returned, E::Resubmit, {true, false, false})->to ==
        S::InReview);
    CPPUNIT_ASSERT(
        ApplicationStateMachine::find(S::Returned, E::Resubmit, {false, false, false})->to ==
        S::Approved);
    CPPUNIT_ASSERT(ApplicationStateMachine::find(S::Approved, E::Issue, {})->to == S::Issued);
    CPPUNIT_ASSERT(!ApplicationStateMachine::find(S::Rejected, E::Approve, {true, true, true}));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FlowTest);
