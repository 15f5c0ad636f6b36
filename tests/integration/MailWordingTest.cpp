// What the mails say (docs/API.md §9.1), read from real received mails: what happened, who did
// it, what the reader can do next, and what a key may call.
#include <regex>
#include <thread>

#include "tests/integration/Fixture.h"
#include "tests/support/SmtpServer.h"

using namespace keywarden::test;

namespace {
// Client type "web" goes through two levels (level 1: two approvers, any one decides);
// client type "batch" goes through a flow without levels (carried out at once).
const char* kTwoLevels = R"({"id":"two","name":"Two levels","priority":0,"match":{},"levels":[
  {"name":"Team lead","approvers":["lead@example.com","deputy@example.com"],"policy":"any"},
  {"name":"Security","approvers":["sec@example.com"],"policy":"any"}]})";
const char* kNoLevels = R"({"id":"open","name":"Open batch","priority":10,
  "match":{"clientTypes":["batch"]},"levels":[]})";

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}
std::string pathOf(const std::string& link) {
  size_t at = link.find("/approvals/");
  return at == std::string::npos ? "" : link.substr(at);
}
}  // namespace

class MailWordingTest : public Fixture {
  CPPUNIT_TEST_SUITE(MailWordingTest);
  CPPUNIT_TEST(keyGrantedOnlyApisListsThemWithMethodAndPathAndNeverSaysUnrestricted);
  CPPUNIT_TEST(keyWithoutGrantsSaysUnrestricted);
  CPPUNIT_TEST(revokeCarriedOutByAFlowWithoutLevelsClaimsNoApprover);
  CPPUNIT_TEST(completedLevelTellsTheOtherApproverAndTheRequesterWithTheComment);
  CPPUNIT_TEST(alreadyDecidedPageNamesWhoDecidedWhatAndWhen);
  CPPUNIT_TEST(requesterWithdrawalReadsYouWithdrewAndApproversLearnWho);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    smtp = std::make_unique<SmtpServer>();
    flows = std::make_unique<TempDir>("kwflows");
    writeFile(flows->file("two.json"), kTwoLevels);
    writeFile(flows->file("open.json"), kNoLevels);
    return {{"smtp.port", std::to_string(smtp->port())},
            {"workflows.dir", flows->path()},
            {"public.baseUrl", "http://kw.example.test"},
            {"smtp.retryMax", "2s"}};
  }

  void setUp() override {
    Fixture::setUp();
    admin("POST", "/v1/clients", R"({"id":"web","name":"Web Shop","clientType":"web"})");
    admin("POST", "/v1/clients", R"({"id":"batch","name":"Batch Jobs","clientType":"batch"})");
    admin("POST", "/v1/apis",
          R"({"id":"orders-list","name":"List orders","method":"GET","path":"/orders/*"})");
    requester = token("--role requester --email req@example.com");
    smtp->start();
  }

  std::string submit(const std::string& body) {
    HttpResponse r = as(requester, "POST", "/v1/applications", body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    return r.json()->getValue<std::string>("id");
  }
  // The n-th mail (1-based) to `to` whose subject starts with `prefix`.
  ReceivedMail mailTo(const std::string& to, const std::string& prefix, size_t n = 1) {
    for (int tries = 0; tries < 100; ++tries) {
      size_t seen = 0;
      for (const auto& m : smtp->messagesTo(to))
        if (m.subject.rfind(prefix, 0) == 0 && ++seen == n) return m;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::string subjects;
    for (const auto& m : smtp->messagesTo(to)) subjects += "\n  " + m.subject;
    CPPUNIT_FAIL("no mail '" + prefix + "' to " + to + "; got:" + subjects);
    return {};
  }
  HttpResponse post(const std::string& path, const std::string& form) {
    return server->client().request("POST", path, form, {}, "application/x-www-form-urlencoded");
  }
  std::string linkIn(const ReceivedMail& m) { return pathOf(findLink(m.text, "/approvals/")); }

  void keyGrantedOnlyApisListsThemWithMethodAndPathAndNeverSaysUnrestricted() {
    submit(R"({"kind":"new","clientId":"batch","keyName":"lister","apis":["orders-list"]})");
    ReceivedMail m = mailTo("req@example.com", "Your API key");
    for (const std::string& part : {m.text, m.html}) {
      CPPUNIT_ASSERT_MESSAGE(part, has(part, "List orders (GET /orders/*)"));
      CPPUNIT_ASSERT_MESSAGE(part, !has(part, "unrestricted"));
      CPPUNIT_ASSERT_MESSAGE(part, has(part, "restricted: it may call only the APIs listed"));
    }
    // Labels and values stand apart in HTML: cells carry padding.
    CPPUNIT_ASSERT_MESSAGE(m.html, has(m.html, "padding:5px 14px 5px 0"));
  }

  void keyWithoutGrantsSaysUnrestricted() {
    submit(R"({"kind":"new","clientId":"batch","keyName":"open door"})");
    ReceivedMail m = mailTo("req@example.com", "Your API key");
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text, "unrestricted: no APIs, groups or scopes"));
    CPPUNIT_ASSERT_MESSAGE(m.html, has(m.html, "unrestricted: no APIs, groups or scopes"));
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text, "approved at once by the flow Open batch (open)"));
  }

  void revokeCarriedOutByAFlowWithoutLevelsClaimsNoApprover() {
    submit(R"({"kind":"new","clientId":"batch","keyName":"short lived","scopes":["a:b"]})");
    ReceivedMail issued = mailTo("req@example.com", "Your API key");
    std::smatch id;
    CPPUNIT_ASSERT(std::regex_search(issued.text, id, std::regex("id (key_[0-9A-Za-z]+)")));
    submit(R"({"kind":"revoke","clientId":"batch","keyId":")" + id.str(1) +
           R"(","description":"done with it"})");
    ReceivedMail m = mailTo("req@example.com", "Revoked:");
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text,
                                       "was approved at once by the flow Open batch "
                                       "(open), which has no approval levels"));
    CPPUNIT_ASSERT_MESSAGE(m.text, !has(m.text, "approved by"));
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text, "is revoked and no longer works"));
    // What to do next, concretely: a new application with the same grants.
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text, "POST http://kw.example.test/v1/applications"));
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text, R"("kind":"new","clientId":"batch")"));
  }

  void completedLevelTellsTheOtherApproverAndTheRequesterWithTheComment() {
    std::string id =
        submit(R"({"kind":"new","clientId":"web","keyName":"sync","apis":["orders-list"]})");
    std::string lead = linkIn(mailTo("lead@example.com", "Approval needed"));
    ReceivedMail asked = mailTo("deputy@example.com", "Approval needed");
    CPPUNIT_ASSERT_MESSAGE(asked.text, has(asked.text, "lead@example.com, deputy@example.com"));
    CPPUNIT_ASSERT_MESSAGE(asked.text, has(asked.text, "it goes on to Security (level 2 of 2)"));
    CPPUNIT_ASSERT_EQUAL(200,
                         post(lead, "decision=approve&comment=fine+for+the+%3Csync%3E").status);
    ReceivedMail done = mailTo("deputy@example.com", "No action needed");
    CPPUNIT_ASSERT_MESSAGE(done.text, has(done.text, "lead@example.com approved at Team lead"));
    CPPUNIT_ASSERT_MESSAGE(done.text, has(done.text, "fine for the <sync>"));
    CPPUNIT_ASSERT_MESSAGE(done.html, has(done.html, "fine for the &lt;sync&gt;"));
    CPPUNIT_ASSERT_MESSAGE(done.text, has(done.text, "You need not act"));
    ReceivedMail progress = mailTo("req@example.com", "Progress:");
    CPPUNIT_ASSERT_MESSAGE(progress.text, has(progress.text, "fine for the <sync>"));
    CPPUNIT_ASSERT_MESSAGE(progress.text,
                           has(progress.text, "now waits for Security (level 2 of 2)"));
    CPPUNIT_ASSERT_MESSAGE(progress.text,
                           has(progress.text, "GET http://kw.example.test/v1/applications/" + id));
    // The approver who decided gets no "no action needed" mail of their own.
    for (const auto& m : smtp->messagesTo("lead@example.com"))
      CPPUNIT_ASSERT_MESSAGE(m.subject, m.subject.rfind("No action needed", 0) != 0);
    std::string sec = linkIn(mailTo("sec@example.com", "Approval needed"));
    CPPUNIT_ASSERT_EQUAL(200, post(sec, "decision=approve&comment=ok+by+security").status);
    ReceivedMail key = mailTo("req@example.com", "Your API key");
    CPPUNIT_ASSERT_MESSAGE(key.text, has(key.text, "Approver comments:"));
    CPPUNIT_ASSERT_MESSAGE(key.text, has(key.text, "fine for the <sync>"));
    CPPUNIT_ASSERT_MESSAGE(key.text, has(key.text, "ok by security"));
    CPPUNIT_ASSERT_MESSAGE(key.text, has(key.text, "approved by lead@example.com at Team lead"));
  }

  void alreadyDecidedPageNamesWhoDecidedWhatAndWhen() {
    submit(R"({"kind":"new","clientId":"web","keyName":"sync","scopes":["orders:read"]})");
    std::string lead = linkIn(mailTo("lead@example.com", "Approval needed"));
    std::string deputy = linkIn(mailTo("deputy@example.com", "Approval needed"));
    CPPUNIT_ASSERT_EQUAL(200, post(lead, "decision=approve&comment=looks+right").status);
    for (const std::string method : {"GET", "POST"}) {
      HttpResponse page = method == "GET" ? server->client().request("GET", deputy)
                                          : post(deputy, "decision=reject");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(page.body, 409, page.status);
      CPPUNIT_ASSERT_MESSAGE(page.body, has(page.body, "Already decided"));
      std::regex decided(R"(\d{4}-\d\d-\d\dT[0-9:.]+Z: lead@example\.com approved at Team lead )"
                         R"(\(level 1 of 2\): “looks right”)");
      CPPUNIT_ASSERT_MESSAGE(page.body, std::regex_search(page.body, decided));
    }
  }

  void requesterWithdrawalReadsYouWithdrewAndApproversLearnWho() {
    std::string id = submit(R"({"kind":"new","clientId":"web","keyName":"sync"})");
    mailTo("lead@example.com", "Approval needed");
    HttpResponse w = as(requester, "POST", "/v1/applications/" + id + "/withdraw", "{}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(w.body, 200, w.status);
    ReceivedMail own = mailTo("req@example.com", "Withdrawn:");
    CPPUNIT_ASSERT_MESSAGE(own.text, has(own.text, "You withdrew your application"));
    CPPUNIT_ASSERT_MESSAGE(own.text, !has(own.text, "by its requester"));
    ReceivedMail lead = mailTo("lead@example.com", "Withdrawn:");
    CPPUNIT_ASSERT_MESSAGE(lead.text, has(lead.text, "req@example.com, its requester, withdrew"));
    CPPUNIT_ASSERT_MESSAGE(lead.text, has(lead.text, "You need not decide any more"));
  }

  std::unique_ptr<SmtpServer> smtp;
  std::unique_ptr<TempDir> flows;
  std::string requester;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MailWordingTest);
