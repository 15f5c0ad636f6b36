// ApplicationService on its own: the life of an application through a two-level flow, with a
// manual clock, on a real SQLite store (no HTTP). Pins what the HTTP suites reach only through
// the server: the key issued exactly once and linked both ways, level timeouts falling due at
// the clock's hand, and a refused change leaving the store as it was (Store::write rolls back
// when the transaction's function returns an Error).
#include <cppunit/extensions/HelperMacros.h>

#include <memory>

#include "engine/flows/FlowParser.h"
#include "tests/unit/support/EngineServices.h"

using namespace keywarden;
using namespace keywarden::engine;

namespace {
const int64_t kHour = 3600000;
}  // namespace

class ApplicationServiceTest : public CppUnit::TestFixture, public test::EngineServices {
  CPPUNIT_TEST_SUITE(ApplicationServiceTest);
  CPPUNIT_TEST(twoLevelsApprovedIssueOneKeyLinkedBothWays);
  CPPUNIT_TEST(allPolicyWaitsForEveryApproverOfTheLevel);
  CPPUNIT_TEST(aRefusedDecisionChangesNothing);
  CPPUNIT_TEST(aRefusedSubmissionLeavesNoTraceAndUsesNoNumber);
  CPPUNIT_TEST(levelTimeoutEscalatesAtTheClocksHandThenRejects);
  CPPUNIT_TEST(withdrawnApplicationCannotBeDecided);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    test::EngineServicesOptions o;
    o.dirPrefix = "kwapps";
    o.synchronous = "OFF";
    o.linkLifetimeMs = 24 * kHour;
    o.flows = {FlowParser::parse(
                   R"({"id":"two","priority":10,"match":{"scopes":["*:write"]},
        "levels":[{"name":"Lead","approvers":["lead@example.com"],"policy":"any",
                   "timeout":"2h","onTimeout":"escalate","escalateTo":["head@example.com"]},
                  {"name":"Security","approvers":["sec1@example.com","sec2@example.com"],
                   "policy":"all","timeout":"1h","onTimeout":"reject"}]})",
                   "two"),
               FlowParser::parse(
                   R"({"id":"one","priority":0,"match":{},
        "levels":[{"name":"Owner","approvers":["owner@example.com"],"policy":"any"}]})",
                   "one")};
    o.schedulerBatch = 2000;  // the scheduler's default
    build(o);
  }
  void tearDown() override { tearDownServices(); }

  Application submit(const std::vector<std::string>& scopes, const std::string& client = "c1") {
    ApplicationInput in;
    in.kind = AppKind::New;
    in.clientId = client;
    in.keyName = "k";
    in.scopes = scopes;
    auto r = apps->submit(requester, in);
    CPPUNIT_ASSERT_MESSAGE(r ? "" : r.error().message, r);
    return r.value();
  }
  Result<Application> decide(const std::string& id, const std::string& approver, AppEvent e) {
    clock->advance(60000);
    DecisionInput d;
    d.approver = approver;
    d.event = e;
    return apps->decide(admin, id, d);
  }
  Application get(const std::string& id) { return apps->get(admin, id).value(); }
  size_t mails() {
    size_t n = 0;
    store->read([&](Transaction& tx) { n = tx.outbox().list("", "").size(); });
    return n;
  }

  void twoLevelsApprovedIssueOneKeyLinkedBothWays() {
    Application a = submit({"orders:write"});
    CPPUNIT_ASSERT_EQUAL(std::string("two"), a.flowId);
    CPPUNIT_ASSERT(a.state == AppState::InReview);
    CPPUNIT_ASSERT_EQUAL(1, a.level);
    CPPUNIT_ASSERT_EQUAL(std::string("KA-20261121-0001"), a.number);
    CPPUNIT_ASSERT(decide(a.id, "lead@example.com", AppEvent::Approve));
    CPPUNIT_ASSERT_EQUAL(2, get(a.id).level);
    CPPUNIT_ASSERT(decide(a.id, "sec1@example.com", AppEvent::Approve));
    CPPUNIT_ASSERT(decide(a.id, "sec2@example.com", AppEvent::Approve));
    Application done = get(a.id);
    CPPUNIT_ASSERT(done.state == AppState::Issued);
    CPPUNIT_ASSERT(!done.keyId.empty());
    auto key = keys->get(admin, done.keyId);
    CPPUNIT_ASSERT(key);
    CPPUNIT_ASSERT_EQUAL(a.id, key.value().applicationId);
    KeyFilter f;
    auto all = keys->list(admin, f);
    CPPUNIT_ASSERT(all);
    size_t linked = 0;
    for (const auto& k : all.value()) linked += k.applicationId == a.id;
    CPPUNIT_ASSERT_EQUAL(size_t(1), linked);
    // A decision after the issue is refused: the key is not issued twice.
    auto again = decide(a.id, "sec2@example.com", AppEvent::Approve);
    CPPUNIT_ASSERT(!again);
    CPPUNIT_ASSERT(again.error().kind == ErrorKind::Conflict);
  }

  void allPolicyWaitsForEveryApproverOfTheLevel() {
    Application a = submit({"orders:write"});
    CPPUNIT_ASSERT(decide(a.id, "lead@example.com", AppEvent::Approve));
    CPPUNIT_ASSERT(decide(a.id, "sec2@example.com", AppEvent::Approve));
    Application mid = get(a.id);
    CPPUNIT_ASSERT(mid.state == AppState::InReview);
    CPPUNIT_ASSERT_EQUAL(2, mid.level);
    CPPUNIT_ASSERT(ApplicationService::waitingApprovers(mid) ==
                   std::vector<std::string>{"sec1@example.com"});
    // Someone not named at the level decides nothing.
    auto stranger = decide(a.id, "lead@example.com", AppEvent::Approve);
    CPPUNIT_ASSERT(!stranger);
    CPPUNIT_ASSERT_EQUAL(mid.version, get(a.id).version);
  }

  void aRefusedDecisionChangesNothing() {
    Application a = submit({"orders:read"});
    CPPUNIT_ASSERT(decide(a.id, "owner@example.com", AppEvent::Reject));
    Application rejected = get(a.id);
    CPPUNIT_ASSERT(rejected.state == AppState::Rejected);
    size_t mailsBefore = mails();
    auto late = decide(a.id, "owner@example.com", AppEvent::Approve);
    CPPUNIT_ASSERT(!late);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_STATE"), late.error().code);
    Application after = get(a.id);
    CPPUNIT_ASSERT_EQUAL(rejected.version, after.version);
    CPPUNIT_ASSERT_EQUAL(rejected.history.size(), after.history.size());
    CPPUNIT_ASSERT(after.keyId.empty());
    CPPUNIT_ASSERT_EQUAL(mailsBefore, mails());
  }

  void aRefusedSubmissionLeavesNoTraceAndUsesNoNumber() {
    ApplicationInput in;
    in.kind = AppKind::New;
    in.clientId = "no-such-client";
    in.keyName = "k";
    auto r = apps->submit(requester, in);
    CPPUNIT_ASSERT(!r);
    CPPUNIT_ASSERT(r.error().field == "clientId");
    auto listed = apps->list(admin, AppFilter{}, "");
    CPPUNIT_ASSERT(listed);
    CPPUNIT_ASSERT(listed.value().empty());
    CPPUNIT_ASSERT_EQUAL(size_t(0), mails());
    // The refused submission took no number from the day's series.
    CPPUNIT_ASSERT_EQUAL(std::string("KA-20261121-0001"), submit({"orders:read"}).number);
  }

  void levelTimeoutEscalatesAtTheClocksHandThenRejects() {
    Application a = submit({"orders:write"});
    clock->advance(2 * kHour - 1000);
    scheduler->runDue();
    CPPUNIT_ASSERT(ApplicationService::currentApprovers(get(a.id)) ==
                   std::vector<std::string>{"lead@example.com"});
    clock->advance(1000);
    scheduler->runDue();
    // Escalated: the level now waits for head@ too, and times out no more.
    auto who = ApplicationService::currentApprovers(get(a.id));
    CPPUNIT_ASSERT(std::find(who.begin(), who.end(), "head@example.com") != who.end());
    clock->advance(10 * kHour);
    scheduler->runDue();
    CPPUNIT_ASSERT(get(a.id).state == AppState::InReview);
    CPPUNIT_ASSERT(decide(a.id, "head@example.com", AppEvent::Approve));
    CPPUNIT_ASSERT_EQUAL(2, get(a.id).level);
    // Level 2 rejects on its timeout, an hour after it was entered.
    clock->advance(kHour);
    scheduler->runDue();
    Application end = get(a.id);
    CPPUNIT_ASSERT(end.state == AppState::Rejected);
    CPPUNIT_ASSERT_EQUAL(std::string("system"), end.history.back().approver);
    CPPUNIT_ASSERT(end.keyId.empty());
  }

  void withdrawnApplicationCannotBeDecided() {
    Application a = submit({"orders:read"});
    CPPUNIT_ASSERT(apps->withdraw(requester, a.id));
    auto late = decide(a.id, "owner@example.com", AppEvent::Approve);
    CPPUNIT_ASSERT(!late);
    CPPUNIT_ASSERT(late.error().kind == ErrorKind::Conflict);
    CPPUNIT_ASSERT(get(a.id).state == AppState::Withdrawn);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ApplicationServiceTest);
