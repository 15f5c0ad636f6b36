// What the real server puts on the wire, read by the strict receiver (tests/support/
// strict_smtp.py): STARTTLS with a private CA (smtp.caFile), AUTH LOGIN with aiosmtpd's own
// challenge, a display name (smtp.fromName), Chinese and emoji in names, descriptions and
// comments, and an SMTP smuggling payload in a description.
#include <memory>
#include <thread>

#include "tests/integration/Fixture.h"
#include "tests/support/SmtpServer.h"
#include "tests/support/TestCa.h"

using namespace keywarden::test;

namespace {
const char* kFlow = R"({"id":"one","priority":0,"match":{},"levels":[
  {"name":"Team lead","approvers":["lead@example.com"],"policy":"any"}]})";
const char* kClientName = "訂單入口網站 🚀 台灣";
const char* kFromName = "鑰匙管家 Keywarden 🔑";
// In JSON: a requester's description that ends DATA early at a lenient receiver unless escaped.
const char* kSmuggleJson =
    R"(a\n.\r\nMAIL FROM:<x@evil.test>\r\nRCPT TO:<y@evil.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n說明 🚀\r.\r)";

std::string formEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string pathOf(const std::string& link) {
  size_t at = link.find("/approvals/");
  return at == std::string::npos ? "" : link.substr(at);
}
}  // namespace

class MailWireTest : public Fixture {
  CPPUNIT_TEST_SUITE(MailWireTest);
  CPPUNIT_TEST(unicodeAndASmugglingDescriptionArriveAsOneStrictMailEachOverTlsAndAuthLogin);
  CPPUNIT_TEST(badMailSettingsStopStartUpNamingTheSetting);
  CPPUNIT_TEST_SUITE_END();

 public:
  // The certificate the test SMTP server shows.
  virtual std::string serverNames() { return "IP:127.0.0.1,DNS:localhost"; }

  std::map<std::string, std::string> settings() override {
    ca = std::make_unique<TestCa>();
    auto cert = ca->issue("smtp", serverNames());
    SmtpServer::Options o;
    o.certificate = cert.first;
    o.privateKey = cert.second;
    o.user = "mailer";
    o.password = "s3cret pass";
    o.mechanisms = "LOGIN";  // aiosmtpd challenges "User Name", not "Username:"
    smtp = std::make_unique<SmtpServer>(o);
    smtp->start();
    flows = std::make_unique<TempDir>("kwflows");
    writeFile(flows->file("one.json"), kFlow);
    return {{"smtp.port", std::to_string(smtp->port())},
            {"smtp.starttls", "true"},
            {"smtp.user", "mailer"},
            {"smtp.password", "s3cret pass"},
            {"smtp.caFile", ca->caFile()},
            {"smtp.fromName", kFromName},
            {"smtp.from", "keys@example.com"},
            {"smtp.retryMax", "1s"},
            {"workflows.dir", flows->path()}};
  }

  void setUp() override {
    Fixture::setUp();
    HttpResponse c =
        admin("POST", "/v1/clients",
              std::string(R"({"id":"portal","name":")") + kClientName + R"(","clientType":"web"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 201, c.status);
    requester = token("--role requester --email req@example.com");
  }
  void tearDown() override {
    Fixture::tearDown();
    smtp.reset();
  }

  std::string submit(const std::string& keyName, const std::string& descriptionJson) {
    HttpResponse r =
        as(requester, "POST", "/v1/applications",
           R"({"kind":"new","clientId":"portal","keyName":")" + keyName + R"(","description":")" +
               descriptionJson + R"(","scopes":["orders:read"],"quota":50})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    return r.json()->getValue<std::string>("id");
  }
  HttpResponse decide(const std::string& mailText, const std::string& form) {
    return server->client().request("POST", pathOf(findLink(mailText, "/approvals/")), form, {},
                                    "application/x-www-form-urlencoded");
  }
  // No mail went anywhere but to `allowed`, nothing was refused, all over TLS with AUTH LOGIN.
  void assertOnlyStrictMailTo(const std::vector<std::string>& allowed) {
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->refusals(), std::string(""), smtp->refusals());
    for (const auto& m : smtp->messages()) {
      CPPUNIT_ASSERT_EQUAL(size_t(1), m.rcptTos.size());
      CPPUNIT_ASSERT_MESSAGE(
          m.rcptTos[0], std::find(allowed.begin(), allowed.end(), m.rcptTos[0]) != allowed.end());
      CPPUNIT_ASSERT_EQUAL(std::string("keys@example.com"), m.mailFrom);
      CPPUNIT_ASSERT(m.tls);
      CPPUNIT_ASSERT_EQUAL(std::string("LOGIN"), m.authMechanism);
      CPPUNIT_ASSERT_EQUAL(std::string(kFromName) + " <keys@example.com>", m.from);
      CPPUNIT_ASSERT_MESSAGE(m.helo, m.helo != "127.0.0.1");
      CPPUNIT_ASSERT_MESSAGE(
          m.date, m.date.size() > 5 && m.date.compare(m.date.size() - 5, 5, "+0000") == 0);
    }
  }

  void unicodeAndASmugglingDescriptionArriveAsOneStrictMailEachOverTlsAndAuthLogin() {
    std::string keyName = "訂單同步 🚀 台灣";
    submit(keyName, kSmuggleJson);
    auto lead = smtp->waitFor("lead@example.com", 1);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->refusals() + server->log(), size_t(1), lead.size());
    CPPUNIT_ASSERT_MESSAGE(lead[0].subject, lead[0].subject.find(keyName) != std::string::npos);
    CPPUNIT_ASSERT(lead[0].subject.find(kClientName) != std::string::npos);
    // The payload is in the body, as text, and started no second mail.
    CPPUNIT_ASSERT_MESSAGE(lead[0].text,
                           lead[0].text.find("MAIL FROM:<x@evil.test>") != std::string::npos);
    CPPUNIT_ASSERT(lead[0].text.find("說明 🚀") != std::string::npos);
    CPPUNIT_ASSERT(lead[0].html.find("說明 🚀") != std::string::npos);
    CPPUNIT_ASSERT(eventually([&] { return unsentMail() == 0; }));  // nothing more goes out
    CPPUNIT_ASSERT_EQUAL(size_t(1), smtp->messages().size());
    assertOnlyStrictMailTo({"lead@example.com"});

    // A comment with Chinese, emoji and the same trick, returned to the requester.
    std::string comment = "請改用唯讀範圍 🙏\r\n.\r\nRCPT TO:<z@evil.test>\n.\nend";
    HttpResponse r = decide(lead[0].text, "decision=return&comment=" + formEncode(comment));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    auto returned = smtp->waitFor("req@example.com", 1);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->refusals(), size_t(1), returned.size());
    CPPUNIT_ASSERT_MESSAGE(returned[0].text,
                           returned[0].text.find("請改用唯讀範圍 🙏") != std::string::npos);
    CPPUNIT_ASSERT(returned[0].text.find("RCPT TO:<z@evil.test>") != std::string::npos);

    // The key-issued mail, the one a refusal would cost the most.
    submit("second 🔑", "plain");
    auto second = smtp->waitFor("lead@example.com", 2);
    CPPUNIT_ASSERT_EQUAL(size_t(2), second.size());
    CPPUNIT_ASSERT_EQUAL(
        200, decide(second[1].text, "decision=approve&comment=" + formEncode("好 👍")).status);
    auto issued = smtp->waitFor("req@example.com", 2);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->refusals(), size_t(2), issued.size());
    CPPUNIT_ASSERT_MESSAGE(issued[1].text, issued[1].text.find("kw_") != std::string::npos);
    CPPUNIT_ASSERT(eventually([&] { return unsentMail() == 0; }));  // nothing more goes out
    CPPUNIT_ASSERT_EQUAL(size_t(4), smtp->messages().size());
    assertOnlyStrictMailTo({"lead@example.com", "req@example.com"});
    auto sent = admin("GET", "/v1/mail?status=SENT").json()->getArray("mail");
    CPPUNIT_ASSERT_EQUAL(size_t(4), sent->size());
  }

  void badMailSettingsStopStartUpNamingTheSetting() {
    std::vector<std::pair<std::string, std::string>> bad = {
        {"smtp.heloName", "127.0.0.1"},         {"smtp.heloName", "bad name.example.com"},
        {"smtp.caFile", "/nonexistent/ca.pem"}, {"smtp.caFile", KEYWARDEN_SOURCE_DIR "/README.md"},
        {"smtp.from", "not an address"},        {"smtp.from", "a@b.test>"},
        {"smtp.host", "mail.example.com/x"},    {"smtp.host", "user@mail.example.com"},
    };
    for (const auto& [key, value] : bad) {
      ServerProcess p(std::map<std::string, std::string>{{key, value}});
      CPPUNIT_ASSERT_THROW_MESSAGE(key + "=" + value, p.start(), std::runtime_error);
      CPPUNIT_ASSERT_MESSAGE(p.log(), p.log().find("setting " + key) != std::string::npos);
    }
  }

  std::unique_ptr<TestCa> ca;
  std::unique_ptr<SmtpServer> smtp;
  std::unique_ptr<TempDir> flows;
  std::string requester;
};

// A certificate for another name than smtp.host: the mail waits (PENDING, retried) and the
// mail log names the server; nothing is delivered.
class MailWireWrongNameTest : public MailWireTest {
  CPPUNIT_TEST_SUITE(MailWireWrongNameTest);
  CPPUNIT_TEST(certificateForAnotherNameKeepsTheMailPendingNamingTheServer);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::string serverNames() override { return "DNS:mail.example.com"; }

  void certificateForAnotherNameKeepsTheMailPendingNamingTheServer() {
    submit("k", "d");
    CPPUNIT_ASSERT(eventually([&] {  // tried, put back with its error, and tried again
      auto p = admin("GET", "/v1/mail?status=PENDING").json()->getArray("mail");
      return p->size() == 1 && p->getObject(0)->getValue<int>("attempts") >= 2;
    }));
    auto pending = admin("GET", "/v1/mail?status=PENDING").json()->getArray("mail");
    CPPUNIT_ASSERT_EQUAL(size_t(1), pending->size());
    std::string error = pending->getObject(0)->getValue<std::string>("lastError");
    CPPUNIT_ASSERT_MESSAGE(
        error, error.find("127.0.0.1:" + std::to_string(smtp->port())) != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(error, pending->getObject(0)->getValue<int>("attempts") >= 2);
    CPPUNIT_ASSERT_EQUAL(size_t(0), smtp->messages().size());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MailWireTest);
CPPUNIT_TEST_SUITE_REGISTRATION(MailWireWrongNameTest);
