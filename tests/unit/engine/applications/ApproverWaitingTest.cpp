// Who an application waits for: one rule (ApplicationService::waitingApprovers) behind the
// "waiting for me" list, the daily digest, the withdrawal notice and the "already decided"
// check — with a manual clock, on a real SQLite store.
#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <map>

#include "engine/flows/FlowParser.h"
#include "engine/jobs/Housekeeping.h"
#include "tests/unit/support/EngineServices.h"

using namespace keywarden;
using namespace keywarden::engine;

namespace {
const int64_t kHour = 3600000;
}  // namespace

class ApproverWaitingTest : public CppUnit::TestFixture, public test::EngineServices {
  CPPUNIT_TEST_SUITE(ApproverWaitingTest);
  CPPUNIT_TEST(returnAndResubmitMakeEveryApproverWaitAgainInListAndDigest);
  CPPUNIT_TEST(anApproverWhoDecidedIsNeitherListedNorDigested);
  CPPUNIT_TEST(theRequesterIsNeverWaitedFor);
  CPPUNIT_TEST(withdrawalIsMailedToWhoItWaitedFor);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    test::EngineServicesOptions o;
    o.dirPrefix = "kwwait";
    o.linkLifetimeMs = 24 * kHour;
    o.flows = {FlowParser::parse(
        R"({"id":"f","levels":[{"name":"L","approvers":["a@example.com","b@example.com",
            "req@example.com"],"policy":"all"}]})",
        "f")};
    build(o);
  }
  void tearDown() override { tearDownServices(); }

  std::string submit() {
    ApplicationInput in;
    in.kind = AppKind::New;
    in.clientId = "c1";
    in.keyName = "k";
    auto r = apps->submit(requester, in);
    CPPUNIT_ASSERT(r);
    return r.value().id;
  }
  void decide(const std::string& id, const std::string& approver, AppEvent event) {
    clock->advance(kHour);
    DecisionInput d;
    d.approver = approver;
    d.event = event;
    auto r = apps->decide(admin, id, d);
    CPPUNIT_ASSERT_MESSAGE(r ? "" : r.error().message, r);
  }
  // Who the list says the application waits for, asked as each approver in turn.
  std::vector<std::string> listed(const std::string& id) {
    std::vector<std::string> out;
    for (const char* who : {"a@example.com", "b@example.com", "req@example.com"}) {
      auto r = apps->list(admin, AppFilter{}, who);
      CPPUNIT_ASSERT(r);
      for (const auto& a : r.value())
        if (a.id == id) out.push_back(who);
    }
    return out;
  }
  // Who the daily digest mails, with how many applications each.
  std::map<std::string, int> digested() {
    Housekeeping hk(cache, *notices, HousekeepingSettings{});
    int64_t before = clock->nowMs();
    store->write([&](Transaction& tx) { hk.runDigest(tx, Job{}, before); });
    std::vector<OutboxMail> all;
    store->read([&](Transaction& tx) { all = tx.outbox().list("", ""); });
    std::map<std::string, int> out;
    for (const auto& m : all)
      if (m.event == "approver-digest" && m.createdAt == before) ++out[m.recipient];
    clock->advance(kHour);
    return out;
  }
  std::vector<std::string> waiting(const std::string& id) {
    return ApplicationService::waitingApprovers(apps->get(admin, id).value());
  }

  void returnAndResubmitMakeEveryApproverWaitAgainInListAndDigest() {
    std::string id = submit();
    decide(id, "a@example.com", AppEvent::Return);
    clock->advance(kHour);
    auto resubmitted = apps->resubmit(requester, id, ApplicationInput{});
    CPPUNIT_ASSERT(resubmitted);
    CPPUNIT_ASSERT(resubmitted.value().state == AppState::InReview);
    const std::vector<std::string> both = {"a@example.com", "b@example.com"};
    CPPUNIT_ASSERT(waiting(id) == both);
    CPPUNIT_ASSERT(listed(id) == both);
    // The field report: a@ returned it at level 1 before the resubmission and was left out.
    auto mails = digested();
    CPPUNIT_ASSERT_EQUAL(size_t(2), mails.size());
    CPPUNIT_ASSERT_EQUAL(1, mails["a@example.com"]);
    CPPUNIT_ASSERT_EQUAL(1, mails["b@example.com"]);
    // And a@ may decide again (the "already decided" check is the same rule).
    decide(id, "a@example.com", AppEvent::Approve);
  }

  void anApproverWhoDecidedIsNeitherListedNorDigested() {
    std::string id = submit();
    decide(id, "a@example.com", AppEvent::Approve);
    const std::vector<std::string> onlyB = {"b@example.com"};
    CPPUNIT_ASSERT(waiting(id) == onlyB);
    CPPUNIT_ASSERT(listed(id) == onlyB);
    auto mails = digested();
    CPPUNIT_ASSERT_EQUAL(size_t(1), mails.size());
    CPPUNIT_ASSERT_EQUAL(1, mails["b@example.com"]);
    DecisionInput again;
    again.approver = "a@example.com";
    auto twice = apps->decide(admin, id, again);
    CPPUNIT_ASSERT(!twice);
    CPPUNIT_ASSERT_EQUAL(std::string("ALREADY_DECIDED"), twice.error().code);
  }

  void theRequesterIsNeverWaitedFor() {
    // req@ is listed as an approver of the level but never decides on their own application.
    std::string id = submit();
    auto w = waiting(id);
    CPPUNIT_ASSERT(std::find(w.begin(), w.end(), "req@example.com") == w.end());
    auto l = listed(id);
    CPPUNIT_ASSERT(std::find(l.begin(), l.end(), "req@example.com") == l.end());
    CPPUNIT_ASSERT_EQUAL(size_t(0), digested().count("req@example.com"));
    // Nor mailed a decision link for it, on entering the level or on a reminder.
    clock->advance(kHour);
    auto reminded = apps->remind(requester, id);
    CPPUNIT_ASSERT_MESSAGE(reminded ? "" : reminded.error().message, reminded);
    std::vector<OutboxMail> all;
    store->read([&](Transaction& tx) { all = tx.outbox().list("", ""); });
    std::map<std::string, int> linked;
    for (const auto& m : all)
      if (m.event == "approval-requested") ++linked[m.recipient];
    CPPUNIT_ASSERT_EQUAL(0, linked["req@example.com"]);
    CPPUNIT_ASSERT_EQUAL(2, linked["a@example.com"]);
    CPPUNIT_ASSERT_EQUAL(2, linked["b@example.com"]);
  }

  void withdrawalIsMailedToWhoItWaitedFor() {
    std::string id = submit();
    decide(id, "a@example.com", AppEvent::Approve);
    CPPUNIT_ASSERT(apps->withdraw(requester, id));
    std::vector<OutboxMail> all;
    store->read([&](Transaction& tx) { all = tx.outbox().list("", ""); });
    std::vector<std::string> told;
    for (const auto& m : all)
      if (m.event == "withdrawn") told.push_back(m.recipient);
    std::sort(told.begin(), told.end());
    const std::vector<std::string> want = {"b@example.com", "req@example.com"};
    CPPUNIT_ASSERT(told == want);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ApproverWaitingTest);
