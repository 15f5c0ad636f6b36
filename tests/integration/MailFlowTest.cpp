#include <regex>
#include <set>
#include <thread>

#include "tests/integration/Fixture.h"
#include "tests/support/SmtpServer.h"

using namespace keywarden::test;

namespace {
const char* kFlow = R"({"id":"two","priority":0,"match":{},"levels":[
  {"name":"Team lead","approvers":["lead@example.com","deputy@example.com"],"policy":"any"},
  {"name":"Security","approvers":["sec@example.com"],"policy":"any"}]})";

std::string pathOf(const std::string& link) {
  size_t at = link.find("/approvals/");
  return at == std::string::npos ? "" : link.substr(at);
}
}  // namespace

// The whole mail path against a real SMTP server (aiosmtpd writing a Maildir).
class MailFlowTest : public Fixture {
  CPPUNIT_TEST_SUITE(MailFlowTest);
  CPPUNIT_TEST(submissionToDeliveredKeyFollowingTheLinksInTheMails);
  CPPUNIT_TEST(usedForgedAndWrongLevelLinksAreRefusedAndGetDecidesNothing);
  CPPUNIT_TEST(returnedMailCarriesTheCommentEscapedOnlyInHtml);
  CPPUNIT_TEST(smtpDownAtSubmissionEveryMailArrivesOnceLater);
  CPPUNIT_TEST(pendingMailsSurviveKill9AndAreSentOnce);
  CPPUNIT_TEST(missingTemplateStopsStartUp);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    smtp = std::make_unique<SmtpServer>();
    flows = std::make_unique<TempDir>("kwflows");
    writeFile(flows->file("two.json"), kFlow);
    return {{"smtp.port", std::to_string(smtp->port())},
            {"workflows.dir", flows->path()},
            {"public.baseUrl", "http://127.0.0.1:" + std::to_string(0)},
            {"smtp.retryMax", "2s"}};
  }

  void setUp() override {
    Fixture::setUp();
    admin("POST", "/v1/clients", R"({"id":"web","name":"Web Shop","clientType":"web"})");
    requester = token("--role requester --email req@example.com");
  }

  std::string submitNew(const std::string& name = "orders") {
    HttpResponse r = as(requester, "POST", "/v1/applications",
                        R"({"kind":"new","clientId":"web","keyName":")" + name +
                            R"(","scopes":["orders:read"],"quota":50})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    return r.json()->getValue<std::string>("id");
  }
  HttpResponse post(const std::string& path, const std::string& form) {
    return server->client().request("POST", path, form, {}, "application/x-www-form-urlencoded");
  }
  std::string appState(const std::string& id) {
    return admin("GET", "/v1/applications/" + id).json()->getValue<std::string>("state");
  }
  int appLevel(const std::string& id) {
    return admin("GET", "/v1/applications/" + id).json()->getValue<int>("level");
  }

  void submissionToDeliveredKeyFollowingTheLinksInTheMails() {
    smtp->start();
    std::string id = submitNew();
    auto lead = smtp->waitFor("lead@example.com", 1);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->refusals(), size_t(1), lead.size());
    CPPUNIT_ASSERT_MESSAGE(lead[0].subject, lead[0].subject.find("KA-") != std::string::npos);
    CPPUNIT_ASSERT(lead[0].subject.find("orders") != std::string::npos);
    CPPUNIT_ASSERT(lead[0].subject.find("Web Shop") != std::string::npos);
    CPPUNIT_ASSERT(!lead[0].html.empty() && !lead[0].text.empty());
    CPPUNIT_ASSERT(lead[0].raw.find("multipart/alternative") != std::string::npos);
    std::string link = pathOf(findLink(lead[0].text, "/approvals/"));
    CPPUNIT_ASSERT_MESSAGE(lead[0].text, !link.empty());
    CPPUNIT_ASSERT_EQUAL(link, pathOf(findLink(lead[0].html, "/approvals/")));
    HttpResponse page = server->client().request("GET", link);
    CPPUNIT_ASSERT_EQUAL(200, page.status);
    CPPUNIT_ASSERT(page.header("Content-Type").find("text/html") == 0);
    CPPUNIT_ASSERT(page.body.find("value=\"approve\"") != std::string::npos);
    CPPUNIT_ASSERT(page.body.find("<script") == std::string::npos);
    HttpResponse done = post(link, "decision=approve&comment=fine");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(done.body, 200, done.status);
    CPPUNIT_ASSERT_EQUAL(2, appLevel(id));
    auto sec = smtp->waitFor("sec@example.com", 1);
    CPPUNIT_ASSERT_EQUAL(size_t(1), sec.size());
    CPPUNIT_ASSERT_EQUAL(
        200, post(pathOf(findLink(sec[0].text, "/approvals/")), "decision=approve").status);
    CPPUNIT_ASSERT_EQUAL(std::string("ISSUED"), appState(id));
    auto delivered = smtp->waitFor("req@example.com", 1);
    CPPUNIT_ASSERT_EQUAL(size_t(1), delivered.size());
    std::smatch m;
    std::regex keyPattern(R"(kw_[0-9A-Za-z]{49})");
    CPPUNIT_ASSERT_MESSAGE(delivered[0].text, std::regex_search(delivered[0].text, m, keyPattern));
    std::string key = m.str();
    CPPUNIT_ASSERT(delivered[0].html.find(key) != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    // Once delivered, the key is nowhere in the store or the log.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto log = admin("GET", "/v1/mail?to=req@example.com").json()->getArray("mail");
    CPPUNIT_ASSERT_EQUAL(std::string("SENT"), log->getObject(0)->getValue<std::string>("status"));
    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    std::string db = server->storedBytes();
    CPPUNIT_ASSERT(db.find(key.substr(7)) == std::string::npos);
    CPPUNIT_ASSERT(server->log().find(key.substr(7)) == std::string::npos);
    CPPUNIT_ASSERT_EQUAL(size_t(1), smtp->messagesTo("deputy@example.com").size());
    CPPUNIT_ASSERT_EQUAL(size_t(1), smtp->messagesTo("lead@example.com").size());
  }

  void usedForgedAndWrongLevelLinksAreRefusedAndGetDecidesNothing() {
    smtp->start();
    std::string id = submitNew();
    auto lead = smtp->waitFor("lead@example.com", 1);
    auto deputy = smtp->waitFor("deputy@example.com", 1);
    std::string leadLink = pathOf(findLink(lead[0].text, "/approvals/"));
    std::string deputyLink = pathOf(findLink(deputy[0].text, "/approvals/"));
    for (int i = 0; i < 3; ++i) {
      CPPUNIT_ASSERT_EQUAL(200, server->client().request("GET", leadLink).status);
      CPPUNIT_ASSERT_EQUAL(200, server->client().request("HEAD", leadLink).status);
    }
    CPPUNIT_ASSERT_EQUAL(1, appLevel(id));  // scanners fetching links decide nothing
    std::string forged = leadLink;
    forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
    HttpResponse f = post(forged, "decision=approve");
    CPPUNIT_ASSERT_EQUAL(404, f.status);
    CPPUNIT_ASSERT_EQUAL(404, server->client().request("GET", "/approvals/not-a-token").status);
    CPPUNIT_ASSERT_EQUAL(1, appLevel(id));
    CPPUNIT_ASSERT_EQUAL(403, post(leadLink, "decision=maybe").status);
    CPPUNIT_ASSERT_EQUAL(200, post(leadLink, "decision=approve").status);
    HttpResponse again = post(leadLink, "decision=reject");
    CPPUNIT_ASSERT_EQUAL(409, again.status);
    CPPUNIT_ASSERT(again.body.find("already used") != std::string::npos);
    // The deputy's level-1 link arrives after level 1 was decided by the lead.
    HttpResponse late = post(deputyLink, "decision=reject");
    CPPUNIT_ASSERT_EQUAL(409, late.status);
    CPPUNIT_ASSERT(late.body.find("Already decided") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"), appState(id));
    CPPUNIT_ASSERT_EQUAL(2, appLevel(id));
  }

  void returnedMailCarriesTheCommentEscapedOnlyInHtml() {
    smtp->start();
    std::string id = submitNew();
    std::string link =
        pathOf(findLink(smtp->waitFor("lead@example.com", 1)[0].text, "/approvals/"));
    CPPUNIT_ASSERT_EQUAL(200, post(link, "decision=return&comment=Use+%3Cread%3E+%26+less").status);
    auto returned = smtp->waitFor("req@example.com", 1);
    CPPUNIT_ASSERT_EQUAL(size_t(1), returned.size());
    CPPUNIT_ASSERT(returned[0].subject.find("Changes requested") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(returned[0].text,
                           returned[0].text.find("Use <read> & less") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(returned[0].html, returned[0].html.find("Use &lt;read&gt; &amp; less") !=
                                                 std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("RETURNED"), appState(id));
  }

  void smtpDownAtSubmissionEveryMailArrivesOnceLater() {
    std::string id = submitNew();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    auto pending = admin("GET", "/v1/mail?status=PENDING").json()->getArray("mail");
    CPPUNIT_ASSERT_EQUAL(size_t(2), pending->size());
    CPPUNIT_ASSERT_MESSAGE(admin("GET", "/v1/mail").body,
                           pending->getObject(0)->getValue<int>("attempts") >= 1);
    CPPUNIT_ASSERT(!pending->getObject(0)->getValue<std::string>("lastError").empty());
    smtp->start();
    CPPUNIT_ASSERT_EQUAL(size_t(1), smtp->waitFor("lead@example.com", 1, 15).size());
    CPPUNIT_ASSERT_EQUAL(size_t(1), smtp->waitFor("deputy@example.com", 1, 15).size());
    std::this_thread::sleep_for(std::chrono::milliseconds(3000));
    CPPUNIT_ASSERT_EQUAL(size_t(2), smtp->messages().size());
    CPPUNIT_ASSERT_EQUAL(size_t(2),
                         admin("GET", "/v1/mail?status=SENT").json()->getArray("mail")->size());
  }

  void pendingMailsSurviveKill9AndAreSentOnce() {
    for (int i = 0; i < 3; ++i) submitNew("k" + std::to_string(i));
    server->kill9();
    smtp->start();
    server->start();
    CPPUNIT_ASSERT_EQUAL(size_t(3), smtp->waitFor("lead@example.com", 3, 15).size());
    CPPUNIT_ASSERT_EQUAL(size_t(3), smtp->waitFor("deputy@example.com", 3, 15).size());
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    auto all = smtp->messages();
    CPPUNIT_ASSERT_EQUAL(size_t(6), all.size());
    std::set<std::string> ids;
    for (const auto& m : all) ids.insert(m.messageId);
    CPPUNIT_ASSERT_EQUAL(size_t(6), ids.size());
  }

  void missingTemplateStopsStartUp() {
    TempDir copy("kwtemplates");
    std::string src = std::string(KEYWARDEN_SOURCE_DIR) + "/templates";
    CPPUNIT_ASSERT_EQUAL(
        0, system(("cp -r " + src + "/mail " + src + "/pages " + copy.path()).c_str()));
    std::remove(copy.file("mail/rejected.html.mustache").c_str());
    ServerProcess missing(std::map<std::string, std::string>{{"templates.dir", copy.path()}});
    CPPUNIT_ASSERT_THROW(missing.start(), std::runtime_error);
    CPPUNIT_ASSERT_MESSAGE(
        missing.log(), missing.log().find("rejected.html.mustache: missing") != std::string::npos);
    writeFile(copy.file("mail/rejected.html.mustache"), "{{#open}} never closed");
    ServerProcess broken(std::map<std::string, std::string>{{"templates.dir", copy.path()}});
    CPPUNIT_ASSERT_THROW(broken.start(), std::runtime_error);
    CPPUNIT_ASSERT_MESSAGE(broken.log(),
                           broken.log().find("rejected.html.mustache") != std::string::npos);
  }

  std::unique_ptr<SmtpServer> smtp;
  std::unique_ptr<TempDir> flows;
  std::string requester;
};

// Links that outlive approvals.linkLifetime are refused with a clear page.
class MailLinkExpiryTest : public MailFlowTest {
  CPPUNIT_TEST_SUITE(MailLinkExpiryTest);
  CPPUNIT_TEST(expiredLinkIsRefused);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    auto s = MailFlowTest::settings();
    s["approvals.linkLifetime"] = "1s";
    return s;
  }

  void expiredLinkIsRefused() {
    smtp->start();
    std::string id = submitNew();
    std::string link =
        pathOf(findLink(smtp->waitFor("lead@example.com", 1)[0].text, "/approvals/"));
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    HttpResponse r = post(link, "decision=approve");
    CPPUNIT_ASSERT_EQUAL(410, r.status);
    CPPUNIT_ASSERT(r.body.find("expired") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(410, server->client().request("GET", link).status);
    CPPUNIT_ASSERT_EQUAL(1, appLevel(id));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MailFlowTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MailLinkExpiryTest);

// Several mails go out over one SMTP session, and each mail's outcome is its own: a recipient
// the server refuses (RCPT 550) fails that mail alone.
class MailBatchTest : public MailFlowTest {
  CPPUNIT_TEST_SUITE(MailBatchTest);
  CPPUNIT_TEST(refusedRecipientFailsOnlyItsMailAndTheOthersShareASession);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    auto s = MailFlowTest::settings();
    writeFile(flows->file("two.json"),
              R"({"id":"two","priority":0,"match":{},"levels":[{"name":"Team",)"
              R"("approvers":["ann@example.com","reject-me@example.com","bob@example.com",)"
              R"("cy@example.com"],"policy":"any"}]})");
    return s;
  }

  void refusedRecipientFailsOnlyItsMailAndTheOthersShareASession() {
    // The four approval requests are written in one transaction, so one batch takes them all.
    smtp->start();
    submitNew();
    std::set<int> ports;
    for (const char* to : {"ann@example.com", "bob@example.com", "cy@example.com"}) {
      auto got = smtp->waitFor(to, 1, 15);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(to) + smtp->refusals(), size_t(1), got.size());
      ports.insert(got[0].peerPort);
    }
    // One session for the batch; libcurl ends a session after a refused RCPT and opens the
    // next one for the rest: never a session per mail.
    CPPUNIT_ASSERT_MESSAGE("SMTP sessions for three mails: " + std::to_string(ports.size()),
                           ports.size() <= 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto failed = admin("GET", "/v1/mail?status=FAILED").json()->getArray("mail");
    CPPUNIT_ASSERT_EQUAL(size_t(1), failed->size());
    CPPUNIT_ASSERT_EQUAL(std::string("reject-me@example.com"),
                         failed->getObject(0)->getValue<std::string>("to"));
    std::string error = failed->getObject(0)->getValue<std::string>("lastError");
    CPPUNIT_ASSERT_MESSAGE(error, error.find("550") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(size_t(3),
                         admin("GET", "/v1/mail?status=SENT").json()->getArray("mail")->size());
    CPPUNIT_ASSERT_EQUAL(size_t(3), smtp->messages().size());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MailBatchTest);
