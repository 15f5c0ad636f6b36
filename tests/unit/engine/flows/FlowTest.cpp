#include <cppunit/extensions/HelperMacros.h>

#include <functional>
#include <limits>

#include "engine/applications/ApplicationStateMachine.h"
#include "engine/check/ApiCatalog.h"
#include "engine/flows/FlowCatalog.h"
#include "engine/flows/FlowParser.h"

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
  CPPUNIT_TEST(heldWildcardScopeCouldMatchEveryPatternItHolds);
  CPPUNIT_TEST(scopeCouldMatchAgreesWithTheCheckPathOnEveryShortScope);
  CPPUNIT_TEST(wildcardScopesRouteToTheFlowOfWhatTheyHold);
  CPPUNIT_TEST(unlimitedQuotaCountsAsTheLargest);
  CPPUNIT_TEST(noExpiryIsLongerThanEveryLifetimeBound);
  CPPUNIT_TEST(clientTypesAndTenantsMatchInAnyCase);
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
        // Values no client or tenant could hold: the flow would never match.
        {R"({"id":"a","match":{"tenants":["acme corp"]},"levels":[]})", "match.tenants[0]"},
        {R"({"id":"a","match":{"tenants":["acme",""]},"levels":[]})", "match.tenants[1]"},
        {R"({"id":"a","match":{"clientTypes":["partner "]},"levels":[]})", "match.clientTypes[0]"},
        {R"({"id":"a","match":{"clientTypes":[""]},"levels":[]})", "match.clientTypes[0]"},
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
        // Names reach mail subjects and bodies: one line of text, as a client's or an API's.
        {R"({"id":"a","name":"A\r\nBcc: x@evil.example","levels":[]})",
         "name: name holds the control character U+000D"},
        {R"({"id":"a","description":"one\u0000two","levels":[]})",
         "description: description holds"},
        {R"({"id":"a","levels":[{"name":"L\r\n.\r\nQUIT","approvers":["a@x.io"],"policy":"any"}]})",
         "levels[0].name: name holds the control character"},
        {R"({"id":"a","levels":[{"name":"L\u0085M","approvers":["a@x.io"],"policy":"any"}]})",
         "levels[0].name: name holds the control character"},
        {R"({"id":"a","levels":[{"name":"L\u2028M","approvers":["a@x.io"],"policy":"any"}]})",
         "levels[0].name: name holds the control character"},
        {"{\"id\":\"a\",\"levels\":[{\"name\":\"L\xff\",\"approvers\":[\"a@x.io\"],"
         "\"policy\":\"any\"}]}",
         "levels[0].name"},
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

  void heldWildcardScopeCouldMatchEveryPatternItHolds() {
    // The field report: `orders:*` and `*` hold orders:write, so `*:write` must see them.
    CPPUNIT_ASSERT(scopeCouldMatch("*:write", "orders:*"));
    CPPUNIT_ASSERT(scopeCouldMatch("*:write", "*"));
    CPPUNIT_ASSERT(scopeCouldMatch("*:write", "o*"));
    CPPUNIT_ASSERT(scopeCouldMatch("*:write", "orders:w*"));
    CPPUNIT_ASSERT(scopeCouldMatch("*:write", "orders:write*"));  // holds orders:write itself
    CPPUNIT_ASSERT(scopeCouldMatch("*:write", "orders:write"));
    CPPUNIT_ASSERT(scopeCouldMatch("orders:read", "orders:*"));
    CPPUNIT_ASSERT(scopeCouldMatch("orders:read", "*"));
    CPPUNIT_ASSERT(scopeCouldMatch("exact", "*"));
    CPPUNIT_ASSERT(scopeCouldMatch("a*b*c", "aXb*"));
    // What a held scope does not hold stays out.
    CPPUNIT_ASSERT(!scopeCouldMatch("*:write", "orders:read"));
    CPPUNIT_ASSERT(!scopeCouldMatch("*:write", "orders:w"));
    // `*` in a pattern crosses ':', so every held wildcard could meet `*:write`: `orders:writer*`
    // holds `orders:writer:write`.
    CPPUNIT_ASSERT(scopeCouldMatch("*:write", "orders:writer*"));
    CPPUNIT_ASSERT(!scopeCouldMatch("orders:read", "billing:*"));
    CPPUNIT_ASSERT(!scopeCouldMatch("orders:read", "orders:readX*"));
    // Only a trailing '*' is a wildcard in a held scope (the check path's rule): `*:write` held
    // holds the literal scope `*:write` only, which `admin:*` does not match.
    CPPUNIT_ASSERT(!scopeCouldMatch("admin:*", "*:write"));
    CPPUNIT_ASSERT(scopeCouldMatch("*:write", "*:write"));
    CPPUNIT_ASSERT(scopeCouldMatch("*", ""));
    CPPUNIT_ASSERT(!scopeCouldMatch("", "a"));
    CPPUNIT_ASSERT(scopeCouldMatch("", "*"));  // `*` holds the empty scope too
  }

  void scopeCouldMatchAgreesWithTheCheckPathOnEveryShortScope() {
    // Brute force over every pattern and held scope of up to 4 characters of "ab:*": the answer
    // is true exactly when some scope that the check path says is held (scopeHolds) matches the
    // pattern (globMatch). A held `P*` holds P followed by anything; if any of those matches a
    // pattern, one does whose tail is made of the pattern's own characters and is no longer than
    // the pattern, so those tails are the candidates.
    const std::string alphabet = "ab:*";
    std::vector<std::string> strings{""};
    for (size_t i = 0; i < strings.size(); ++i)
      if (strings[i].size() < 4)
        for (char c : alphabet) strings.push_back(strings[i] + c);
    size_t checked = 0;
    for (const auto& pattern : strings)
      for (const auto& held : strings) {
        bool want = false;
        for (const auto& tail : strings) {
          if (tail.size() > pattern.size()) break;  // `strings` is ordered by length
          std::string w =
              held.empty() || held.back() != '*' ? held : held.substr(0, held.size() - 1) + tail;
          if (scopeHolds(held, w) && globMatch(pattern, w)) {
            want = true;
            break;
          }
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE("pattern '" + pattern + "' held '" + held + "'", want,
                                     scopeCouldMatch(pattern, held));
        ++checked;
      }
    CPPUNIT_ASSERT_EQUAL(size_t(341 * 341), checked);
  }

  void wildcardScopesRouteToTheFlowOfWhatTheyHold() {
    FlowCatalog c({flow("default", 0, "{}"), flow("write", 10, R"({"scopes":["*:write"]})"),
                   flow("billing", 5, R"({"scopes":["billing:read"]})")});
    RoutingFacts f;
    f.kind = "new";
    f.tenant = "default";
    auto routed = [&](std::vector<std::string> scopes) {
      f.scopes = std::move(scopes);
      return c.route(f)->id;
    };
    CPPUNIT_ASSERT_EQUAL(std::string("write"), routed({"orders:write"}));
    CPPUNIT_ASSERT_EQUAL(std::string("write"), routed({"orders:*"}));
    CPPUNIT_ASSERT_EQUAL(std::string("write"), routed({"*"}));
    CPPUNIT_ASSERT_EQUAL(std::string("write"), routed({"orders:read", "or*"}));
    CPPUNIT_ASSERT_EQUAL(std::string("write"), routed({"billing:*"}));  // holds billing:write
    CPPUNIT_ASSERT_EQUAL(std::string("billing"), routed({"billing:read"}));
    CPPUNIT_ASSERT_EQUAL(std::string("write"), routed({"billing:r*"}));  // billing:r:write
    CPPUNIT_ASSERT_EQUAL(std::string("default"), routed({"billing:writ"}));
    CPPUNIT_ASSERT_EQUAL(std::string("default"), routed({"orders:read"}));
    CPPUNIT_ASSERT_EQUAL(std::string("default"), routed({"orders:writer"}));
  }

  void unlimitedQuotaCountsAsTheLargest() {
    FlowCatalog c({flow("default", 0, "{}"), flow("big", 5, R"({"minQuota":1000})")});
    RoutingFacts f;
    f.kind = "new";
    f.quota = 999;
    CPPUNIT_ASSERT_EQUAL(std::string("default"), c.route(f)->id);
    f.quota = 1000;
    CPPUNIT_ASSERT_EQUAL(std::string("big"), c.route(f)->id);
    f.quota = -1;
    CPPUNIT_ASSERT_EQUAL(std::string("big"), c.route(f)->id);
    f.quota = std::numeric_limits<int64_t>::max();
    CPPUNIT_ASSERT_EQUAL(std::string("big"), c.route(f)->id);
    FlowCatalog zero({flow("default", 0, "{}"), flow("any", 5, R"({"minQuota":0})")});
    f.quota = 0;
    CPPUNIT_ASSERT_EQUAL(std::string("any"), zero.route(f)->id);
  }

  void noExpiryIsLongerThanEveryLifetimeBound() {
    const int64_t day = 86400000;
    // 36500 days is the largest bound a flow file may give (FlowParser).
    FlowCatalog c({flow("default", 0, "{}"), flow("short", 5, R"({"maxLifetimeDays":30})"),
                   flow("century", 3, R"({"maxLifetimeDays":36500})")});
    RoutingFacts f;
    f.kind = "new";
    f.lifetimeMs.reset();  // no expiry
    CPPUNIT_ASSERT_EQUAL(std::string("default"), c.route(f)->id);
    f.lifetimeMs = 30 * day;
    CPPUNIT_ASSERT_EQUAL(std::string("short"), c.route(f)->id);
    f.lifetimeMs = 30 * day + 1;
    CPPUNIT_ASSERT_EQUAL(std::string("century"), c.route(f)->id);
    f.lifetimeMs = 36500 * day;
    CPPUNIT_ASSERT_EQUAL(std::string("century"), c.route(f)->id);
    // Beyond every bound, and the largest lifetime: no overflow, no flow with a bound fits.
    f.lifetimeMs = 36500 * day + 1;
    CPPUNIT_ASSERT_EQUAL(std::string("default"), c.route(f)->id);
    f.lifetimeMs = std::numeric_limits<int64_t>::max();
    CPPUNIT_ASSERT_EQUAL(std::string("default"), c.route(f)->id);
    f.lifetimeMs.reset();
    CPPUNIT_ASSERT_EQUAL(std::string("default"), c.route(f)->id);
  }

  void clientTypesAndTenantsMatchInAnyCase() {
    FlowCatalog c({flow("default", 0, "{}"),
                   flow("partners", 20, R"({"clientTypes":["Partner"],"tenants":["ACME"]})")});
    RoutingFacts f;
    f.kind = "new";
    f.clientType = "partner";
    f.tenant = "acme";
    CPPUNIT_ASSERT_EQUAL(std::string("partners"), c.route(f)->id);
    f.clientType = "PARTNER";
    CPPUNIT_ASSERT_EQUAL(std::string("partners"), c.route(f)->id);
    f.clientType = "partners";
    CPPUNIT_ASSERT_EQUAL(std::string("default"), c.route(f)->id);
    f.clientType = "partner";
    f.tenant = "acme2";
    CPPUNIT_ASSERT_EQUAL(std::string("default"), c.route(f)->id);
    FlowCatalog kinds({flow("default", 0, "{}"), flow("r", 5, R"({"kinds":["revoke"]})")});
    f.kind = "revoke";
    CPPUNIT_ASSERT_EQUAL(std::string("r"), kinds.route(f)->id);
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
