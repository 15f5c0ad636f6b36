// The scheduler and the key jobs with a manual clock, on a real SQLite store.
#include <cppunit/extensions/HelperMacros.h>

#include <iterator>
#include <set>
#include <string>

#include "app/Wiring.h"
#include "engine/flows/FlowParser.h"
#include "engine/jobs/Housekeeping.h"
#include "tests/unit/support/EngineServices.h"

using namespace keywarden;
using namespace keywarden::engine;

namespace {
const int64_t kDay = 86400000;
}  // namespace

class SchedulerTest : public CppUnit::TestFixture, public test::EngineServices {
  CPPUNIT_TEST_SUITE(SchedulerTest);
  CPPUNIT_TEST(keyActivatesAtItsEffectiveDateNotBefore);
  CPPUNIT_TEST(keyExpiresWithReminderBeforeAndExpiredMailOnce);
  CPPUNIT_TEST(plannedRevocationAndRotationGraceEnd);
  CPPUNIT_TEST(changingTheKeyCancelsAndReplacesItsJobs);
  CPPUNIT_TEST(catchUpRunsManyOverdueJobsOnce);
  CPPUNIT_TEST(failingJobIsRetriedWithBackOffAndItsErrorKept);
  CPPUNIT_TEST(retentionPurgesOldKeysAndApplicationsButKeepsTheAudit);
  CPPUNIT_TEST(digestMailsEachApproverWhatWaitsForThem);
  CPPUNIT_TEST(everyJobKindHasARunnerInTheWiringAndOneStoredName);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    test::EngineServicesOptions o;
    o.dirPrefix = "kwsched";
    o.linkLifetimeMs = kDay;
    o.expiryReminderMs = 2 * kDay;
    o.schedulerBatch = 50;
    o.clientContact = "owner@example.com";
    build(o);
  }
  void tearDown() override { tearDownServices(); }

  std::string issue(int64_t effectiveAt, int64_t expiresAt) {
    KeySpec s;
    s.clientId = "c1";
    s.name = "k";
    s.effectiveAt = effectiveAt;
    s.expiresAt = expiresAt;
    auto r = keys->issue(admin, s);
    CPPUNIT_ASSERT(r);
    return r.value().key.id;
  }
  KeyState stored(const std::string& id) {
    std::optional<Key> k;
    store->read([&](Transaction& tx) { k = tx.keys().find(id); });
    return k->state;
  }
  size_t mails(const std::string& event) {
    std::vector<OutboxMail> all;
    store->read([&](Transaction& tx) { all = tx.outbox().list("", ""); });
    size_t n = 0;
    for (const auto& m : all) n += m.event == event;
    return n;
  }

  void keyActivatesAtItsEffectiveDateNotBefore() {
    std::string id = issue(kT0 + 1000, 0);
    CPPUNIT_ASSERT(stored(id) == KeyState::Scheduled);
    clock->set(kT0 + 999);
    CPPUNIT_ASSERT_EQUAL(0, scheduler->runDue());
    CPPUNIT_ASSERT(stored(id) == KeyState::Scheduled);
    clock->set(kT0 + 1000);
    CPPUNIT_ASSERT_EQUAL(1, scheduler->runDue());
    CPPUNIT_ASSERT(stored(id) == KeyState::Active);
    clock->advance(kDay);
    CPPUNIT_ASSERT_EQUAL(0, scheduler->runDue());
  }

  void keyExpiresWithReminderBeforeAndExpiredMailOnce() {
    std::string id = issue(0, kT0 + 5 * kDay);
    clock->set(kT0 + 3 * kDay - 1);
    scheduler->runDue();
    CPPUNIT_ASSERT_EQUAL(size_t(0), mails("expiring-soon"));
    clock->set(kT0 + 3 * kDay);  // expiresAt - keys.expiryReminder (2 days here)
    scheduler->runDue();
    CPPUNIT_ASSERT_EQUAL(size_t(1), mails("expiring-soon"));
    CPPUNIT_ASSERT(stored(id) == KeyState::Active);
    clock->set(kT0 + 5 * kDay + 10);
    scheduler->runDue();
    CPPUNIT_ASSERT(stored(id) == KeyState::Expired);
    CPPUNIT_ASSERT_EQUAL(size_t(1), mails("expired"));
    clock->advance(kDay);
    scheduler->runDue();
    CPPUNIT_ASSERT_EQUAL(size_t(1), mails("expired"));
    CPPUNIT_ASSERT_EQUAL(size_t(1), mails("expiring-soon"));
  }

  void plannedRevocationAndRotationGraceEnd() {
    std::string planned = issue(0, 0);
    CPPUNIT_ASSERT(keys->revoke(admin, planned, "end of project", kT0 + 5000));
    std::string rotated = issue(0, 0);
    auto fresh = keys->rotate(admin, rotated, 10);
    CPPUNIT_ASSERT(fresh);
    clock->set(kT0 + 5000);
    scheduler->runDue();
    CPPUNIT_ASSERT(stored(planned) == KeyState::Revoked);
    CPPUNIT_ASSERT(stored(rotated) == KeyState::Active);
    clock->set(kT0 + 10000);
    scheduler->runDue();
    CPPUNIT_ASSERT(stored(rotated) == KeyState::Revoked);
    CPPUNIT_ASSERT(stored(fresh.value().key.id) == KeyState::Active);
  }

  void changingTheKeyCancelsAndReplacesItsJobs() {
    std::string id = issue(0, kT0 + 10 * kDay);
    KeyChanges longer;
    longer.expiresAt = kT0 + 20 * kDay;
    store->write(
        [&](Transaction& tx) { CPPUNIT_ASSERT(keys->modifyIn(tx, admin, id, longer, kT0)); });
    clock->set(kT0 + 10 * kDay + 1);
    scheduler->runDue();
    CPPUNIT_ASSERT(stored(id) == KeyState::Active);  // the old expiry job was cancelled
    std::vector<Job> cancelled;
    store->read([&](Transaction& tx) {
      cancelled = tx.jobs().list("CANCELLED", jobKindName(JobKind::ExpireKey));
    });
    CPPUNIT_ASSERT_EQUAL(size_t(1), cancelled.size());
    CPPUNIT_ASSERT(keys->revoke(admin, id, "gone", 0));
    clock->set(kT0 + 21 * kDay);
    scheduler->runDue();
    CPPUNIT_ASSERT_EQUAL(size_t(0), mails("expired"));  // a revoked key does not expire
  }

  void catchUpRunsManyOverdueJobsOnce() {
    std::vector<std::string> ids;
    for (int i = 0; i < 120; ++i) ids.push_back(issue(0, kT0 + 1000 + i));
    clock->set(kT0 + kDay);                          // the server was "down" past every due time
    CPPUNIT_ASSERT_EQUAL(120, scheduler->runDue());  // reminders were past already at issue: none
    for (const auto& id : ids) CPPUNIT_ASSERT(stored(id) == KeyState::Expired);
    CPPUNIT_ASSERT_EQUAL(0, scheduler->runDue());
    std::vector<Job> done;
    store->read(
        [&](Transaction& tx) { done = tx.jobs().list("DONE", jobKindName(JobKind::ExpireKey)); });
    CPPUNIT_ASSERT_EQUAL(size_t(120), done.size());
  }

  void failingJobIsRetriedWithBackOffAndItsErrorKept() {
    int calls = 0;
    // A level-timeout job whose runner fails twice (no application is involved here).
    scheduler->on(JobKind::LevelTimeout, [&](Transaction&, const Job&, int64_t) {
      if (++calls < 3) throw std::runtime_error("upstream down");
    });
    store->write([&](Transaction& tx) {
      Job j;
      j.id = "job_flaky";
      j.kind = jobKindName(JobKind::LevelTimeout);
      j.dueAt = kT0;
      j.createdAt = kT0;
      tx.jobs().insert(j);
    });
    scheduler->runDue();
    std::vector<Job> pending;
    store->read([&](Transaction& tx) {
      pending = tx.jobs().list("PENDING", jobKindName(JobKind::LevelTimeout));
    });
    CPPUNIT_ASSERT_EQUAL(size_t(1), pending.size());
    CPPUNIT_ASSERT_EQUAL(std::string("upstream down"), pending[0].lastError);
    CPPUNIT_ASSERT_EQUAL(kT0 + 1000, pending[0].dueAt);
    clock->set(kT0 + 1000);
    scheduler->runDue();
    store->read([&](Transaction& tx) {
      pending = tx.jobs().list("PENDING", jobKindName(JobKind::LevelTimeout));
    });
    CPPUNIT_ASSERT_EQUAL(kT0 + 1000 + 2000, pending[0].dueAt);
    clock->set(kT0 + 3000);
    scheduler->runDue();
    CPPUNIT_ASSERT_EQUAL(3, calls);
    std::vector<Job> done;
    store->read([&](Transaction& tx) {
      done = tx.jobs().list("DONE", jobKindName(JobKind::LevelTimeout));
    });
    CPPUNIT_ASSERT_EQUAL(size_t(1), done.size());
  }

  void retentionPurgesOldKeysAndApplicationsButKeepsTheAudit() {
    HousekeepingSettings hs;
    hs.keepKeysMs = 10 * kDay;
    Housekeeping hk(cache, *notices, hs);
    JobRunners::housekeeping(*scheduler, hk);
    std::string old = issue(0, 0), recent = issue(0, 0), active = issue(0, 0);
    CPPUNIT_ASSERT(keys->revoke(admin, old, "x", 0));
    clock->set(kT0 + 5 * kDay);
    CPPUNIT_ASSERT(keys->revoke(admin, recent, "x", 0));
    store->write([&](Transaction& tx) { hk.ensureScheduled(tx, clock->nowMs()); });
    clock->set(kT0 + 11 * kDay);
    scheduler->runDue();
    std::optional<Key> gone, kept, live;
    store->read([&](Transaction& tx) {
      gone = tx.keys().find(old);
      kept = tx.keys().find(recent);
      live = tx.keys().find(active);
    });
    CPPUNIT_ASSERT(!gone);
    CPPUNIT_ASSERT(kept && live);
    KeyCache::View v(cache);
    CPPUNIT_ASSERT(v.findId(old) == KeyCache::kNone);
    std::vector<Job> next;
    store->read([&](Transaction& tx) {
      next = tx.jobs().list("PENDING", jobKindName(JobKind::Retention));
    });
    CPPUNIT_ASSERT_EQUAL(size_t(1), next.size());  // the next run is scheduled
    CPPUNIT_ASSERT_EQUAL(kT0 + 12 * kDay, next[0].dueAt);
  }

  void digestMailsEachApproverWhatWaitsForThem() {
    FlowCatalog flows(
        {FlowParser::parse(R"({"id":"f","levels":[{"name":"L","approvers":["a@example.com",
        "b@example.com"],"policy":"all"}]})",
                           "f")});
    ApplicationService apps(*store, *keys, flows, *clock, *notices, *links);
    Principal requester;
    requester.tokenId = "r";
    requester.role = Role::Requester;
    requester.email = "req@example.com";
    ApplicationInput in;
    in.kind = AppKind::New;
    in.clientId = "c1";
    in.keyName = "one";
    auto first = apps.submit(requester, in);
    CPPUNIT_ASSERT(first);
    in.keyName = "two";
    CPPUNIT_ASSERT(apps.submit(requester, in));
    DecisionInput d;
    d.approver = "a@example.com";
    CPPUNIT_ASSERT(apps.decide(admin, first.value().id, d));
    Housekeeping hk(cache, *notices, HousekeepingSettings{});
    store->write([&](Transaction& tx) { hk.runDigest(tx, Job{}, clock->nowMs()); });
    std::vector<OutboxMail> all;
    store->read([&](Transaction& tx) { all = tx.outbox().list("", ""); });
    std::map<std::string, std::string> digests;
    for (const auto& m : all)
      if (m.event == "approver-digest") digests[m.recipient] = m.context;
    CPPUNIT_ASSERT_EQUAL(size_t(2), digests.size());
    CPPUNIT_ASSERT(digests["b@example.com"].find("\"count\":2") != std::string::npos);
    CPPUNIT_ASSERT(digests["a@example.com"].find("\"count\":1") !=
                   std::string::npos);  // a decided one
  }

  // app/Wiring gives every kind of job a runner (a kind added without one would fail each of
  // its jobs when due), and every kind has its own stored name that reads back as the kind.
  void everyJobKindHasARunnerInTheWiringAndOneStoredName() {
    test::TempDir d("kwwire");
    app::Settings settings;
    settings.db.connection = d.file("kw.db");
    settings.workflowsDir = std::string(KEYWARDEN_SOURCE_DIR) + "/workflows";
    settings.templatesDir = std::string(KEYWARDEN_SOURCE_DIR) + "/templates";
    settings.secret = kSecret;
    app::Wiring w(settings);
    std::set<std::string> names;
    for (JobKind k : kJobKinds) {
      CPPUNIT_ASSERT_MESSAGE(jobKindName(k), w.scheduler->runs(k));
      CPPUNIT_ASSERT(parseJobKind(jobKindName(k)) == k);
      names.insert(jobKindName(k));
    }
    CPPUNIT_ASSERT_EQUAL(std::size(kJobKinds), names.size());
    CPPUNIT_ASSERT(!parseJobKind("flaky"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SchedulerTest);
