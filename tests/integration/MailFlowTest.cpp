#include <Poco/JSON/Array.h>

#include <cctype>
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

// application/x-www-form-urlencoded, as a browser encodes a UTF-8 value.
std::string formEncoded(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Whether every mail `log` lists (GET /v1/mail) has `status`.
bool all(const Poco::JSON::Array::Ptr& log, const std::string& status) {
  for (size_t i = 0; i < log->size(); ++i)
    if (log->getObject(i)->getValue<std::string>("status") != status) return false;
  return true;
}

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
  CPPUNIT_TEST(linkCommentIsCountedInCharactersAndStoredWhole);
  CPPUNIT_TEST(badLinkFormsAnswer400NextToTheFieldAndTheLinkStillWorks);
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
    // First the progress mail (level 1 done), then the key.
    auto delivered = smtp->waitFor("req@example.com", 2);
    CPPUNIT_ASSERT_EQUAL(size_t(2), delivered.size());
    if (delivered[0].subject.rfind("Your API key", 0) != 0) std::swap(delivered[0], delivered[1]);
    std::smatch m;
    std::regex keyPattern(R"(kw_[0-9A-Za-z]{49})");
    CPPUNIT_ASSERT_MESSAGE(delivered[0].text, std::regex_search(delivered[0].text, m, keyPattern));
    std::string key = m.str();
    CPPUNIT_ASSERT(delivered[0].html.find(key) != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    // Once delivered, the key is nowhere in the store or the log.
    CPPUNIT_ASSERT(eventually([&] {
      return all(admin("GET", "/v1/mail?to=req@example.com").json()->getArray("mail"), "SENT");
    }));
    auto log = admin("GET", "/v1/mail?to=req@example.com").json()->getArray("mail");
    CPPUNIT_ASSERT_EQUAL(std::string("SENT"), log->getObject(0)->getValue<std::string>("status"));
    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    std::string db = server->storedBytes();
    CPPUNIT_ASSERT(db.find(key.substr(7)) == std::string::npos);
    CPPUNIT_ASSERT(server->log().find(key.substr(7)) == std::string::npos);
    // The deputy was asked, then told that the lead completed level 1.
    CPPUNIT_ASSERT_EQUAL(size_t(2), smtp->messagesTo("deputy@example.com").size());
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
    CPPUNIT_ASSERT_EQUAL(400, post(leadLink, "decision=maybe").status);
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

  size_t historySize(const std::string& id) {
    return admin("GET", "/v1/applications/" + id).json()->getArray("history")->size();
  }
  std::string lastComment(const std::string& id) {
    auto h = admin("GET", "/v1/applications/" + id).json()->getArray("history");
    for (size_t i = h->size(); i-- > 0;)
      if (h->getObject(i)->getValue<int>("level") > 0)
        return h->getObject(i)->getValue<std::string>("comment");
    return "";
  }

  void linkCommentIsCountedInCharactersAndStoredWhole() {
    smtp->start();
    std::string id = submitNew();
    std::string link =
        pathOf(findLink(smtp->waitFor("lead@example.com", 1)[0].text, "/approvals/"));
    size_t before = historySize(id);
    // 2001 characters: refused, the form comes back with the text and the reason next to it.
    HttpResponse tooLong = post(link, "decision=return&comment=" + formEncoded(repeat("說", 2001)));
    CPPUNIT_ASSERT_EQUAL(400, tooLong.status);
    CPPUNIT_ASSERT(tooLong.body.find("id=\"comment-error\"") != std::string::npos);
    CPPUNIT_ASSERT(tooLong.body.find("longer than 2000 characters (it has 2001)") !=
                   std::string::npos);
    CPPUNIT_ASSERT(tooLong.body.find(repeat("說", 2001) + "</textarea>") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(before, historySize(id));
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"), appState(id));
    // The field report: 667 × 說 (2001 bytes) answered 500 after recording a cut comment.
    std::string comment = repeat("說", 667) + "\nsecond line";
    HttpResponse done =
        post(link, "decision=return&comment=" + formEncoded(repeat("說", 667) + "\r\nsecond line"));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(done.body, 200, done.status);
    CPPUNIT_ASSERT(done.body.find("Decision recorded") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("RETURNED"), appState(id));
    CPPUNIT_ASSERT_EQUAL(comment, lastComment(id));
    auto mail = smtp->waitFor("req@example.com", 1);
    CPPUNIT_ASSERT_EQUAL(size_t(1), mail.size());
    CPPUNIT_ASSERT(mail[0].text.find(repeat("說", 667)) != std::string::npos);
  }

  void badLinkFormsAnswer400NextToTheFieldAndTheLinkStillWorks() {
    smtp->start();
    std::string id = submitNew();
    std::string link =
        pathOf(findLink(smtp->waitFor("lead@example.com", 1)[0].text, "/approvals/"));
    size_t before = historySize(id);
    struct Case {
      std::string body;
      std::string contentType;
      int status;
      std::string marker;  // where the page says what to fix
    };
    const std::string form = "application/x-www-form-urlencoded";
    const std::vector<Case> cases = {
        {"decision=approve&comment=%E8%AA", form, 400, "id=\"comment-error\""},  // cut UTF-8
        {"decision=approve&comment=%FFok", form, 400, "id=\"comment-error\""},
        {"decision=approve&comment=a%00b", form, 400, "id=\"comment-error\""},  // NUL
        {"decision=approve&comment=a%1Bb", form, 400, "id=\"comment-error\""},  // ESC
        {"decision=approve&comment=100%", form, 400, "id=\"comment-error\""},
        {"decision=approve&comment=%zz", form, 400, "id=\"comment-error\""},
        {"comment=fine", form, 400, "id=\"decision-error\""},  // no decision
        {"decision=&comment=fine", form, 400, "id=\"decision-error\""},
        {"decision=maybe", form, 400, "id=\"decision-error\""},
        {"decision=APPROVE", form, 400, "id=\"decision-error\""},
        {"decision=approve%00", form, 400, "id=\"decision-error\""},
        {"decision=approve&decision=reject", form, 400, "id=\"decision-error\""},
        {"decision=approve&approver=boss%40example.com", form, 400, "that this page does not send"},
        // A fault elsewhere in the form gives back the comment as it was typed.
        {"decision=approve&decision=reject&comment=a%3Cb", form, 400, "a&lt;b</textarea>"},
        {"x=1&decision=approve&comment=a%3Cb", form, 400, "a&lt;b</textarea>"},
        {"d%Z=1&decision=approve&comment=a%3Cb", form, 400, "a&lt;b</textarea>"},
        {"decision=approve", "text/plain", 415, "application/x-www-form-urlencoded"},
        {"decision=approve", form + "; charset=latin1", 415, "application/x-www-form-urlencoded"},
        {"decision=approve&comment=" + std::string(70000, 'x'), form, 413, "larger than"},
    };
    for (const auto& c : cases) {
      HttpResponse r = server->client().request("POST", link, c.body, {}, c.contentType);
      std::string what = c.body.substr(0, 60) + " (" + c.contentType + ")";
      CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " -> " + r.body.substr(0, 200), c.status, r.status);
      CPPUNIT_ASSERT_MESSAGE(what, r.body.find(c.marker) != std::string::npos);
      CPPUNIT_ASSERT_MESSAGE(what, r.body.find("Nothing was recorded") != std::string::npos);
      CPPUNIT_ASSERT_MESSAGE(what, r.body.find("value=\"approve\"") != std::string::npos);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(what, before, historySize(id));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 1, appLevel(id));
    }
    // None of that used the link up.
    HttpResponse ok = post(link, "decision=approve&comment=now+right");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ok.body, 200, ok.status);
    CPPUNIT_ASSERT_EQUAL(2, appLevel(id));
    CPPUNIT_ASSERT_EQUAL(std::string("now right"), lastComment(id));
  }

  void smtpDownAtSubmissionEveryMailArrivesOnceLater() {
    std::string id = submitNew();
    // Both approval requests tried once and put back.
    CPPUNIT_ASSERT(eventually([&] {
      auto p = admin("GET", "/v1/mail?status=PENDING").json()->getArray("mail");
      return p->size() == 2 && p->getObject(0)->getValue<int>("attempts") >= 1 &&
             p->getObject(1)->getValue<int>("attempts") >= 1;
    }));
    auto pending = admin("GET", "/v1/mail?status=PENDING").json()->getArray("mail");
    CPPUNIT_ASSERT_EQUAL(size_t(2), pending->size());
    CPPUNIT_ASSERT_MESSAGE(admin("GET", "/v1/mail").body,
                           pending->getObject(0)->getValue<int>("attempts") >= 1);
    CPPUNIT_ASSERT(!pending->getObject(0)->getValue<std::string>("lastError").empty());
    smtp->start();
    CPPUNIT_ASSERT_EQUAL(size_t(1), smtp->waitFor("lead@example.com", 1, 15).size());
    CPPUNIT_ASSERT_EQUAL(size_t(1), smtp->waitFor("deputy@example.com", 1, 15).size());
    CPPUNIT_ASSERT(eventually([&] { return unsentMail() == 0; }));  // nothing more will go out
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
    CPPUNIT_ASSERT(eventually([&] { return unsentMail() == 0; }));  // nothing more will go out
    auto sent = smtp->messages();
    CPPUNIT_ASSERT_EQUAL(size_t(6), sent.size());
    std::set<std::string> ids;
    for (const auto& m : sent) ids.insert(m.messageId);
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
    // Shown as expired once its second is over; only then is a decision tried.
    CPPUNIT_ASSERT(eventually([&] { return server->client().request("GET", link).status == 410; }));
    HttpResponse r = post(link, "decision=approve");
    CPPUNIT_ASSERT_EQUAL(410, r.status);
    CPPUNIT_ASSERT(r.body.find("expired") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(410, server->client().request("GET", link).status);
    CPPUNIT_ASSERT_EQUAL(1, appLevel(id));
  }
};

// No log line holds a link token, a key or an access token — also when a request on a link
// fails with 500, a token is forged or a key is wrong (the server's whole output is read).
class MailLinkLogTest : public MailFlowTest {
  CPPUNIT_TEST_SUITE(MailLinkLogTest);
  CPPUNIT_TEST(failingLinkRequestChangesNothingAndNoLogLineHoldsASecret);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    auto s = MailFlowTest::settings();
    s["log.level"] = "debug";
    return s;
  }

  // Makes the store refuse every new decision row, so a decision fails inside its transaction.
  void refuseDecisions(bool on) {
    if (server->postgres())
      server->sql(on ? "CREATE FUNCTION kw_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
                       "BEGIN RAISE EXCEPTION 'refused by the test'; END $$; "
                       "CREATE TRIGGER kw_test_refuse BEFORE INSERT ON application_decisions "
                       "FOR EACH ROW EXECUTE FUNCTION kw_test_refuse()"
                     : "DROP TRIGGER kw_test_refuse ON application_decisions");
    else
      server->sql(on ? "CREATE TRIGGER kw_test_refuse BEFORE INSERT ON application_decisions "
                       "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                     : "DROP TRIGGER kw_test_refuse");
  }

  void failingLinkRequestChangesNothingAndNoLogLineHoldsASecret() {
    smtp->start();
    std::string id = submitNew();
    std::string link =
        pathOf(findLink(smtp->waitFor("lead@example.com", 1)[0].text, "/approvals/"));
    std::string linkToken = link.substr(std::string("/approvals/").size());
    size_t before = historySize(id);
    refuseDecisions(true);
    HttpResponse failed = post(link, "decision=approve&comment=fine");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(failed.body, 500, failed.status);
    CPPUNIT_ASSERT_EQUAL(before, historySize(id));
    CPPUNIT_ASSERT_EQUAL(1, appLevel(id));
    refuseDecisions(false);
    // The failed request changed nothing: the link was not used up.
    CPPUNIT_ASSERT_EQUAL(200, post(link, "decision=approve&comment=fine").status);
    CPPUNIT_ASSERT_EQUAL(2, appLevel(id));
    // A forged link, wrong access tokens, wrong and right keys.
    std::string forged = linkToken;
    forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
    CPPUNIT_ASSERT_EQUAL(404, server->client().request("GET", "/approvals/" + forged).status);
    CPPUNIT_ASSERT_EQUAL(404, post("/approvals/" + forged, "decision=approve").status);
    std::string wrongToken = "kwt_" + std::string(40, 'Q');
    CPPUNIT_ASSERT_EQUAL(401, server->client().call("GET", "/v1/keys", wrongToken).status);
    HttpResponse k = admin("POST", "/v1/keys", R"({"clientId":"web","name":"logged?"})");
    std::string key = k.json()->getValue<std::string>("key");
    std::string wrongKey = key.substr(0, 10) + (key[10] == 'a' ? 'b' : 'a') + key.substr(11);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    CPPUNIT_ASSERT(verify(wrongKey) != "VALID");
    server->client().request("GET", "/v1/gateway/auth/orders", "", {{"X-API-Key", wrongKey}});
    server->client().request("GET", "/v1/gateway/auth/hooks/" + key, "", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    std::string log = server->log();
    // The failure was logged — by route, not by path.
    CPPUNIT_ASSERT_MESSAGE(log, log.find("POST /approvals/{token} failed") != std::string::npos);
    size_t dot = linkToken.find('.');
    for (const std::string& secret :
         {linkToken, linkToken.substr(0, dot), linkToken.substr(dot + 1), forged, wrongToken,
          server->adminToken(), key, key.substr(3), wrongKey.substr(3)})
      CPPUNIT_ASSERT_MESSAGE("the log holds a secret:\n" + log,
                             log.find(secret) == std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MailFlowTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MailLinkLogTest);
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
    CPPUNIT_ASSERT(eventually([&] {
      return admin("GET", "/v1/mail?status=FAILED").json()->getArray("mail")->size() == 1 &&
             admin("GET", "/v1/mail?status=SENT").json()->getArray("mail")->size() == 3;
    }));
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
