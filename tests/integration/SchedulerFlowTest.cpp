#include <ctime>
#include <thread>

#include "tests/integration/Fixture.h"
#include "tests/support/SmtpServer.h"

using namespace keywarden::test;

namespace {
const char* kFlow = R"({"id":"timed","priority":0,"match":{},"levels":[
  {"name":"Lead","approvers":["lead@example.com"],"policy":"any",
   "timeout":"2s","onTimeout":"escalate","escalateTo":["head@example.com"]}]})";

std::string rfc3339(time_t t) {
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  return buf;
}

std::string inSeconds(int s) {
  return rfc3339(time(nullptr) + s);
}
}  // namespace

// Time-driven work in real time (seconds), against a real SMTP server.
class SchedulerFlowTest : public Fixture {
  CPPUNIT_TEST_SUITE(SchedulerFlowTest);
  CPPUNIT_TEST(keyActivatesAndExpiresOnTimeInTheStoreWithMailsOnce);
  CPPUNIT_TEST(plannedRevocationIsStored);
  CPPUNIT_TEST(levelTimeoutEscalatesByMail);
  CPPUNIT_TEST(expiryDuringKill9IsDoneAndMailedOnceAfterRestart);
  CPPUNIT_TEST(digestAfterReturnAndResubmitMailsTheApproverItWaitsFor);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    smtp = std::make_unique<SmtpServer>();
    flows = std::make_unique<TempDir>("kwflows");
    writeFile(flows->file("timed.json"), kFlow);
    return {{"smtp.port", std::to_string(smtp->port())},
            {"workflows.dir", flows->path()},
            {"keys.expiryReminder", "2s"},
            {"smtp.retryMax", "1s"}};
  }
  void setUp() override {
    Fixture::setUp();
    smtp->start();
    admin("POST", "/v1/clients", R"({"id":"web","name":"Web","contactEmail":"owner@example.com"})");
  }
  // The state column as stored (not as computed on read).
  std::string storedState(const std::string& id) {
    return server->sql("SELECT state FROM api_keys WHERE id = '" + id + "'");
  }
  // Nothing left to do for the outbox and no job pending for `refId`: what is sent by now is
  // all that will be sent.
  bool settled(const std::string& refId) {
    if (unsentMail() > 0) return false;
    auto jobs = admin("GET", "/v1/jobs?status=PENDING").json()->getArray("jobs");
    for (size_t i = 0; i < jobs->size(); ++i)
      if (jobs->getObject(i)->getValue<std::string>("refId") == refId) return false;
    return true;
  }
  std::string issue(const std::string& extra) {
    HttpResponse r = admin("POST", "/v1/keys", R"({"clientId":"web","name":"timed")" + extra + "}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    return r.json()->getValue<std::string>("id");
  }

  void keyActivatesAndExpiresOnTimeInTheStoreWithMailsOnce() {
    std::string id =
        issue(R"(,"effectiveAt":")" + inSeconds(2) + R"(","expiresAt":")" + inSeconds(5) + "\"");
    CPPUNIT_ASSERT_EQUAL(std::string("SCHEDULED"), storedState(id));
    CPPUNIT_ASSERT(eventually([&] { return storedState(id) == "ACTIVE"; }));
    auto reminder = smtp->waitFor("owner@example.com", 1, 5);  // 2 s before expiry
    CPPUNIT_ASSERT_EQUAL(size_t(1), reminder.size());
    CPPUNIT_ASSERT_MESSAGE(reminder[0].subject,
                           reminder[0].subject.find("Expiring soon") != std::string::npos);
    CPPUNIT_ASSERT(eventually([&] { return storedState(id) == "EXPIRED"; }));
    auto both = smtp->waitFor("owner@example.com", 2, 5);
    CPPUNIT_ASSERT_EQUAL(size_t(2), both.size());
    CPPUNIT_ASSERT(both[1].subject.find("Expired") != std::string::npos);
    CPPUNIT_ASSERT(eventually([&] { return settled(id); }));
    CPPUNIT_ASSERT_EQUAL(size_t(2), smtp->messagesTo("owner@example.com").size());
    auto jobs = admin("GET", "/v1/jobs?status=DONE").json()->getArray("jobs");
    size_t forKey = 0;
    for (size_t i = 0; i < jobs->size(); ++i)
      forKey += jobs->getObject(i)->getValue<std::string>("refId") == id;
    CPPUNIT_ASSERT_EQUAL(size_t(3), forKey);  // activate, reminder, expire
  }

  void plannedRevocationIsStored() {
    std::string id = issue("");
    admin("POST", "/v1/keys/" + id + "/revoke",
          R"({"reason":"project ends","at":")" + inSeconds(2) + "\"}");
    CPPUNIT_ASSERT_EQUAL(std::string("ACTIVE"), storedState(id));
    CPPUNIT_ASSERT(eventually([&] { return storedState(id) == "REVOKED"; }));
    CPPUNIT_ASSERT_EQUAL(
        size_t(1),
        admin("GET", "/v1/jobs?kind=revoke-key&status=DONE").json()->getArray("jobs")->size());
  }

  void levelTimeoutEscalatesByMail() {
    std::string requester = token("--role requester --email req@example.com");
    HttpResponse a = as(requester, "POST", "/v1/applications",
                        R"({"kind":"new","clientId":"web","keyName":"k"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(a.body, 201, a.status);
    std::string id = a.json()->getValue<std::string>("id");
    auto head = smtp->waitFor("head@example.com", 1, 8);
    CPPUNIT_ASSERT_EQUAL(size_t(1), head.size());
    CPPUNIT_ASSERT(head[0].subject.find("Escalated") != std::string::npos);
    auto app = admin("GET", "/v1/applications/" + id).json();
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"), app->getValue<std::string>("state"));
    auto approvers = app->getArray("approvers");
    CPPUNIT_ASSERT_EQUAL(size_t(2), approvers->size());
    std::string link = findLink(head[0].text, "/approvals/");
    std::string path = link.substr(link.find("/approvals/"));
    HttpResponse done = server->client().request("POST", path, "decision=approve", {},
                                                 "application/x-www-form-urlencoded");
    CPPUNIT_ASSERT_EQUAL(200, done.status);
    CPPUNIT_ASSERT_EQUAL(
        std::string("ISSUED"),
        admin("GET", "/v1/applications/" + id).json()->getValue<std::string>("state"));
    auto history = admin("GET", "/v1/applications/" + id).json()->getArray("history");
    bool systemRow = false;
    for (size_t i = 0; i < history->size(); ++i)
      systemRow =
          systemRow || history->getObject(i)->getValue<std::string>("decision") == "timeout";
    CPPUNIT_ASSERT(systemRow);
  }

  void expiryDuringKill9IsDoneAndMailedOnceAfterRestart() {
    time_t expiry = time(nullptr) + 3;
    std::string id = issue(R"(,"expiresAt":")" + rfc3339(expiry) + "\"");
    server->kill9();
    sleepPast(expiry);  // the expiry falls due while the server is down
    server->start();
    CPPUNIT_ASSERT(eventually([&] { return storedState(id) == "EXPIRED"; }));
    smtp->waitFor("owner@example.com", 1, 5);
    CPPUNIT_ASSERT(eventually([&] { return settled(id); }));
    auto mails = smtp->messagesTo("owner@example.com");
    size_t expired = 0;
    for (const auto& m : mails) expired += m.subject.find("Expired") != std::string::npos;
    CPPUNIT_ASSERT_EQUAL(size_t(1), expired);
  }

  void digestAfterReturnAndResubmitMailsTheApproverItWaitsFor() {
    // The field report: after a return and a resubmission the lead was listed as waiting but
    // left out of the digest (it counted the return as a decision on the new round).
    std::string requester = token("--role requester --email req@example.com");
    HttpResponse a = as(requester, "POST", "/v1/applications",
                        R"({"kind":"new","clientId":"web","keyName":"k"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(a.body, 201, a.status);
    std::string id = a.json()->getValue<std::string>("id");
    HttpResponse r = admin("POST", "/v1/applications/" + id + "/decisions",
                           R"({"decision":"return","approver":"lead@example.com"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    // The daily digest falls due now; the resubmission's new level job wakes the scheduler.
    server->sql("UPDATE jobs SET due_at = 0 WHERE kind = 'approver-digest' AND status = 'PENDING'");
    HttpResponse again = as(requester, "POST", "/v1/applications/" + id + "/resubmit",
                            R"({"changes":{"description":"now with a reason"}})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(again.body, 200, again.status);
    auto waiting = as(token("--role approver --email lead@example.com"), "GET",
                      "/v1/applications?approver=lead@example.com")
                       .json()
                       ->getArray("applications");
    CPPUNIT_ASSERT_EQUAL(size_t(1), waiting->size());
    std::vector<ReceivedMail> digest;
    eventually([&] {
      for (const auto& m : smtp->messagesTo("lead@example.com"))
        if (m.subject.find("wait for your decision") != std::string::npos) digest.push_back(m);
      return !digest.empty();
    });
    CPPUNIT_ASSERT_EQUAL_MESSAGE(admin("GET", "/v1/jobs?kind=approver-digest").body, size_t(1),
                                 digest.size());
    CPPUNIT_ASSERT_MESSAGE(digest[0].subject, digest[0].subject.find("1 application") == 0);
    std::string number = a.json()->getValue<std::string>("number");
    CPPUNIT_ASSERT_MESSAGE(digest[0].text, digest[0].text.find(number) != std::string::npos);
  }

  std::unique_ptr<SmtpServer> smtp;
  std::unique_ptr<TempDir> flows;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SchedulerFlowTest);
