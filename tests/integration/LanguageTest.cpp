#include <regex>

#include "tests/integration/Fixture.h"
#include "tests/support/PageForms.h"
#include "tests/support/SmtpServer.h"

using namespace keywarden::test;

namespace {
const char* kForm = "application/x-www-form-urlencoded";
}  // namespace

// Mails and pages in English and Traditional Chinese (templates/lang/zh-TW/): chosen by the
// person's saved language, else the browser's Accept-Language, else English.
class LanguageTest : public Fixture {
  CPPUNIT_TEST_SUITE(LanguageTest);
  CPPUNIT_TEST(acceptLanguageZhTwGetsTheChinesePages);
  CPPUNIT_TEST(anUnknownOrAbsentLanguageFallsBackToEnglish);
  CPPUNIT_TEST(aSavedLanguageWinsOverTheBrowserAndReachesTheMails);
  CPPUNIT_TEST(aLanguageNotOfferedIsRefusedAndNothingIsSaved);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    smtp = std::make_unique<SmtpServer>();
    return {{"smtp.port", std::to_string(smtp->port())},
            {"portal.requesterDomains", "example.com"},
            {"smtp.retryMax", "2s"}};
  }
  void setUp() override {
    Fixture::setUp();
    smtp->start();
  }
  void tearDown() override {
    Fixture::tearDown();
    smtp.reset();
  }

  HttpResponse get(const std::string& path, const std::string& acceptLanguage = "",
                   const std::string& cookie = "") {
    std::vector<std::pair<std::string, std::string>> h;
    if (!acceptLanguage.empty()) h.emplace_back("Accept-Language", acceptLanguage);
    if (!cookie.empty()) h.emplace_back("Cookie", cookie);
    return server->client().request("GET", path, "", h);
  }
  HttpResponse post(const std::string& path, const std::string& form, const std::string& cookie,
                    const std::string& acceptLanguage = "") {
    std::vector<std::pair<std::string, std::string>> h = {{"Cookie", cookie}};
    if (!acceptLanguage.empty()) h.emplace_back("Accept-Language", acceptLanguage);
    return server->client().request("POST", path, form, h, kForm);
  }
  // Asks for a sign-in link for dev@example.com; returns the mail that brings it (the n-th).
  ReceivedMail askSignin(size_t n) {
    HttpResponse form = get("/signin");
    std::string pre = cookieOf(form);
    HttpResponse sent = post("/signin", "email=dev%40example.com&csrf=" + csrfOf(form.body), pre);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(sent.body, 200, sent.status);
    auto mails = smtp->waitFor("dev@example.com", n, 60);  // generous: a loaded machine
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->refusals(), n, mails.size());
    return mails[n - 1];
  }
  // Signs dev@example.com in through the mailed link; returns the session cookie.
  std::string signIn() {
    ReceivedMail m = askSignin(1);
    std::string link = findLink(m.text, "/signin/");
    std::string path = link.substr(link.find("/signin/"));
    HttpResponse page = get(path);
    std::string pre = cookieOf(page);
    HttpResponse done = post(path, "csrf=" + csrfOf(page.body), pre);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(done.body, 303, done.status);
    return cookieOf(done);
  }

  void acceptLanguageZhTwGetsTheChinesePages() {
    HttpResponse r = get("/signin", "zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7");
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT_MESSAGE(r.body, r.body.find("<html lang=\"zh-TW\">") != std::string::npos);
    CPPUNIT_ASSERT(r.body.find("<title>登入 — Keywarden</title>") != std::string::npos);
    CPPUNIT_ASSERT(r.body.find("寄送登入連結給我") != std::string::npos);
    CPPUNIT_ASSERT(r.body.find("Mail me a sign-in link") == std::string::npos);
    // The approver link pages too; a weight picks between the two.
    r = get("/approvals/not-a-real-token", "en;q=0.4, zh-Hant;q=0.8");
    CPPUNIT_ASSERT_EQUAL(404, r.status);
    CPPUNIT_ASSERT_MESSAGE(r.body, r.body.find("此連結無效") != std::string::npos);
    // A form error in Chinese, from templates/lang/zh-TW/strings.json.
    HttpResponse form = get("/signin", "zh-TW");
    r = post("/signin", "email=not-an-address&csrf=" + csrfOf(form.body), cookieOf(form), "zh-TW");
    CPPUNIT_ASSERT_EQUAL(400, r.status);
    CPPUNIT_ASSERT_MESSAGE(r.body, r.body.find("請輸入您的電子郵件地址") != std::string::npos);
  }

  void anUnknownOrAbsentLanguageFallsBackToEnglish() {
    for (const char* asked :
         {"fr-CA, de;q=0.5", "", "zh-CN", "zh-TW;q=0, *;q=0.1", "x-klingon;q=2"}) {
      HttpResponse r = get("/signin", asked);
      CPPUNIT_ASSERT_EQUAL(200, r.status);
      CPPUNIT_ASSERT_MESSAGE(std::string(asked) + ": " + r.body,
                             r.body.find("<html lang=\"en\">") != std::string::npos);
      CPPUNIT_ASSERT(r.body.find("Mail me a sign-in link") != std::string::npos);
    }
  }

  void aSavedLanguageWinsOverTheBrowserAndReachesTheMails() {
    std::string session = signIn();
    ReceivedMail first = smtp->waitFor("dev@example.com", 1).at(0);
    CPPUNIT_ASSERT_EQUAL(std::string("Your Keywarden sign-in link"), first.subject);
    HttpResponse home = get("/", "", session);
    CPPUNIT_ASSERT_MESSAGE(home.body, home.body.find("<html lang=\"en\">") != std::string::npos);
    CPPUNIT_ASSERT(home.body.find("name=\"language\"") != std::string::npos);  // the picker
    HttpResponse saved = post("/language", "language=zh-TW&csrf=" + csrfOf(home.body), session);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(saved.body, 303, saved.status);
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"),
                         server->sql("SELECT language FROM person_languages WHERE email = "
                                     "'dev@example.com'"));
    // Every page now, whatever the browser says.
    home = get("/", "en", session);
    CPPUNIT_ASSERT_MESSAGE(home.body, home.body.find("<html lang=\"zh-TW\">") != std::string::npos);
    CPPUNIT_ASSERT(home.body.find("待您處理的事項") != std::string::npos);
    // And the next mail, sent through the real (strict) SMTP receiver.
    ReceivedMail second = askSignin(2);
    CPPUNIT_ASSERT_EQUAL(std::string("您的 Keywarden 登入連結"), second.subject);
    CPPUNIT_ASSERT_MESSAGE(second.text, second.text.find("dev@example.com 您好：") == 0);
    CPPUNIT_ASSERT(second.html.find("lang=\"zh-TW\"") != std::string::npos);
    CPPUNIT_ASSERT(findLink(second.text, "/signin/") != "");
  }

  void aLanguageNotOfferedIsRefusedAndNothingIsSaved() {
    std::string session = signIn();
    HttpResponse home = get("/", "", session);
    HttpResponse r = post("/language", "language=fr&csrf=" + csrfOf(home.body), session);
    CPPUNIT_ASSERT_EQUAL(400, r.status);
    CPPUNIT_ASSERT(r.body.find("This language is not offered here.") != std::string::npos);
    r = post("/language", "language=zh-TW&csrf=wrong", session);
    CPPUNIT_ASSERT_EQUAL(403, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("0"), server->sql("SELECT COUNT(*) FROM person_languages"));
  }

 private:
  std::unique_ptr<SmtpServer> smtp;
};

CPPUNIT_TEST_SUITE_REGISTRATION(LanguageTest);
