// Pages in the reader's language, the engine's sentences included: an approver's link page and
// a requester's application page in zh-TW hold no English sentence the engine composed (flow
// rules, history lines, levels, relative times, amounts, engine error messages).
#include <regex>
#include <thread>

#include "tests/integration/Fixture.h"
#include "tests/support/EnglishFragments.h"
#include "tests/support/PageForms.h"
#include "tests/support/SmtpServer.h"

using namespace keywarden::test;

namespace {
const char* kForm = "application/x-www-form-urlencoded";
// Level 1 escalates after two days; level 2 needs both of its approvers.
const char* kFlow = R"({"id":"two","name":"Two levels","priority":0,"match":{},"levels":[
  {"name":"Team lead","approvers":["lead@example.com"],"policy":"any","timeout":"2d",
   "onTimeout":"escalate","escalateTo":["boss@example.com"]},
  {"name":"Security","approvers":["sec@example.com","ciso@example.com"],"policy":"all"}]})";
}  // namespace

class PageLanguageTest : public Fixture {
  CPPUNIT_TEST_SUITE(PageLanguageTest);
  CPPUNIT_TEST(zhTwApproverLinkPagesHoldNoEnglishFromTheEngine);
  CPPUNIT_TEST(zhTwApplicationPageHoldsNoEnglishFromTheEngine);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    smtp = std::make_unique<SmtpServer>();
    flows = std::make_unique<TempDir>("kwflows");
    writeFile(flows->file("two.json"), kFlow);
    return {{"smtp.port", std::to_string(smtp->port())},
            {"workflows.dir", flows->path()},
            {"portal.requesterDomains", "example.com"},
            {"smtp.retryMax", "2s"}};
  }
  void setUp() override {
    Fixture::setUp();
    smtp->start();
    admin("POST", "/v1/clients", R"({"id":"web","name":"Web Shop","clientType":"web"})");
    admin("POST", "/v1/apis",
          R"({"id":"orders-list","name":"List orders","method":"GET","path":"/orders/*"})");
    std::string requester = token("--role requester --email req@example.com");
    HttpResponse r = as(requester, "POST", "/v1/applications",
                        R"({"kind":"new","clientId":"web","keyName":"sync","apis":["orders-list"],)"
                        R"("scopes":["orders:write"],"quota":12000})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    id = r.json()->getValue<std::string>("id");
    fragments = englishFragments(std::string(KEYWARDEN_SOURCE_DIR) + "/templates");
  }
  void tearDown() override {
    Fixture::tearDown();
    smtp.reset();
  }

  HttpResponse get(const std::string& path, const std::string& language,
                   const std::string& cookie = "") {
    std::vector<std::pair<std::string, std::string>> h = {{"Accept-Language", language}};
    if (!cookie.empty()) h.emplace_back("Cookie", cookie);
    return server->client().request("GET", path, "", h);
  }
  HttpResponse post(const std::string& path, const std::string& form, const std::string& language,
                    const std::string& cookie = "") {
    std::vector<std::pair<std::string, std::string>> h = {{"Accept-Language", language}};
    if (!cookie.empty()) h.emplace_back("Cookie", cookie);
    return server->client().request("POST", path, form, h, kForm);
  }
  std::string linkTo(const std::string& to) {
    auto mails = smtp->waitFor(to, 1, 60);
    CPPUNIT_ASSERT_MESSAGE(smtp->refusals(), !mails.empty());
    std::string link = findLink(mails[0].text, "/approvals/");
    return link.substr(link.find("/approvals/"));
  }
  // No English sentence of strings.json, and none of the engine's own shapes.
  void assertNoEnglish(const std::string& what, const std::string& page) {
    for (const auto& f : fragments)
      CPPUNIT_ASSERT_MESSAGE(what + ": English \"" + f + "\" in:\n" + page,
                             page.find(f) == std::string::npos);
    static const std::regex shapes(
        R"(\(level \d+ of \d+\)|\b(approved|rejected|submitted|returned for changes) at\b|)"
        R"(\b\d+ (days?|hours?|minutes?) ago\b|\bin \d+ (days?|hours?)\b|\bjust now\b|)"
        R"(\b[\d,]+ calls\b|Nothing was recorded|)"
        // A state's code shown as text (a class name may hold it; the reader may not).
        R"(>\s*(SUBMITTED|IN_REVIEW|APPROVED|ISSUED|REJECTED|RETURNED|WITHDRAWN|TIMED_OUT|)"
        R"(SCHEDULED|ACTIVE|DISABLED|EXPIRED|REVOKED)\s*<)");
    std::smatch m;
    CPPUNIT_ASSERT_MESSAGE(what + ": English \"" +
                               (std::regex_search(page, m, shapes) ? m.str() : "") + "\" in:\n" +
                               page,
                           !std::regex_search(page, shapes));
  }

  void zhTwApproverLinkPagesHoldNoEnglishFromTheEngine() {
    std::string lead = linkTo("lead@example.com");
    HttpResponse page = get(lead, "zh-TW");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(page.body, 200, page.status);
    CPPUNIT_ASSERT(page.body.find("lang=\"zh-TW\"") != std::string::npos);
    assertNoEnglish("link page", page.body);
    // An engine error (no such decision) in Chinese.
    HttpResponse bad = post(lead, "decision=maybe&comment=", "zh-TW");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(bad.body, 400, bad.status);
    assertNoEnglish("refused form", bad.body);
    HttpResponse badEn = post(lead, "decision=maybe&comment=", "en");
    CPPUNIT_ASSERT_EQUAL(400, badEn.status);
    CPPUNIT_ASSERT_MESSAGE(badEn.body,
                           badEn.body.find("Nothing was recorded") != std::string::npos);
    HttpResponse done = post(lead, "decision=approve&comment=fine", "zh-TW");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(done.body, 200, done.status);
    assertNoEnglish("done page", done.body);
    CPPUNIT_ASSERT_MESSAGE(done.body, done.body.find("第 1 關") != std::string::npos);
    HttpResponse used = get(lead, "zh-TW");
    assertNoEnglish("used link", used.body);
    // English is unchanged: MailWordingTest::alreadyDecidedPageNamesWhoDecidedWhatAndWhen.
  }

  void zhTwApplicationPageHoldsNoEnglishFromTheEngine() {
    std::string lead = linkTo("lead@example.com");
    CPPUNIT_ASSERT_EQUAL(200, post(lead, "decision=approve&comment=fine", "en").status);
    // Sign in as the requester (its domain may apply) through the mailed link.
    HttpResponse form = get("/signin", "zh-TW");
    HttpResponse sent = post("/signin", "email=req%40example.com&csrf=" + csrfOf(form.body),
                             "zh-TW", cookieOf(form));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(sent.body, 200, sent.status);
    assertNoEnglish("sign-in sent", sent.body);
    std::string link;
    for (int tries = 0; tries < 600 && link.empty(); ++tries) {
      for (const auto& m : smtp->messagesTo("req@example.com"))
        if (m.text.find("/signin/") != std::string::npos) link = findLink(m.text, "/signin/");
      if (link.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CPPUNIT_ASSERT(!link.empty());
    std::string path = link.substr(link.find("/signin/"));
    HttpResponse confirm = get(path, "zh-TW");
    HttpResponse in = post(path, "csrf=" + csrfOf(confirm.body), "zh-TW", cookieOf(confirm));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(in.body, 303, in.status);
    std::string session = cookieOf(in);
    HttpResponse page = get("/applications/" + id, "zh-TW", session);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(page.body, 200, page.status);
    CPPUNIT_ASSERT(page.body.find("lang=\"zh-TW\"") != std::string::npos);
    assertNoEnglish("application page", page.body);
    HttpResponse list = get("/applications", "zh-TW", session);
    assertNoEnglish("applications", list.body);
    // Both security approvers approve: the key is issued, and its pages say its state in words.
    for (const char* who : {"sec@example.com", "ciso@example.com"})
      CPPUNIT_ASSERT_EQUAL(200, post(linkTo(who), "decision=approve&comment=ok", "en").status);
    std::smatch key;
    static const std::regex keyLink(R"re(href="(/keys/[^"]+)")re");
    HttpResponse keys;
    CPPUNIT_ASSERT(eventually([&] {
      keys = get("/keys", "zh-TW", session);
      return std::regex_search(keys.body, key, keyLink);
    }));
    assertNoEnglish("keys", keys.body);
    CPPUNIT_ASSERT_MESSAGE(keys.body, keys.body.find("有效") != std::string::npos);
    HttpResponse keyPage = get(key[1].str(), "zh-TW", session);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(keyPage.body, 200, keyPage.status);
    assertNoEnglish("key page", keyPage.body);
    HttpResponse english = get("/applications/" + id, "en", session);
    CPPUNIT_ASSERT_MESSAGE(
        english.body, english.body.find("every one of them must approve") != std::string::npos);
  }

 private:
  std::unique_ptr<SmtpServer> smtp;
  std::unique_ptr<TempDir> flows;
  std::string id;
  std::set<std::string> fragments;
};

CPPUNIT_TEST_SUITE_REGISTRATION(PageLanguageTest);
