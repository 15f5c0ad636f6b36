// mail::SmtpTransport on its own against the strict receiver (aiosmtpd): STARTTLS with a
// private CA, host-name checks, AUTH PLAIN and LOGIN, errors that name the server and say
// whether to try again, the EHLO name, and several mails over one session.
#include <cppunit/extensions/HelperMacros.h>

#include <memory>

#include "mail/SmtpTransport.h"
#include "tests/support/SmtpServer.h"
#include "tests/support/TestCa.h"

using namespace keywarden;
using namespace keywarden::test;

namespace {
const char* kSubject = "訂單入口網站 🚀 台灣: your key";

mail::RenderedMail sample(const std::string& body = "line one\nline two\n") {
  return mail::RenderedMail{kSubject, body, "<p>" + body + "</p>"};
}

// The error send() throws, or a failed test when it throws none.
mail::TransportError sendFails(mail::SmtpTransport& t, const std::string& to) {
  try {
    t.send(to, sample(), "<m1@keywarden>");
  } catch (const mail::TransportError& e) {
    return e;
  }
  CPPUNIT_FAIL("the transport accepted what it should not have");
  return mail::TransportError("", false);
}
}  // namespace

class SmtpTransportTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SmtpTransportTest);
  CPPUNIT_TEST(starttlsWithoutAuthDeliversWithEhloAgainAfterTls);
  CPPUNIT_TEST(authPlainIsPreferredWhenTheServerOffersIt);
  CPPUNIT_TEST(authLoginWorksWithAiosmtpdsOwnChallengeText);
  CPPUNIT_TEST(certificateForAnotherNameIsRefusedNamingTheServer);
  CPPUNIT_TEST(privateCaIsTrustedOnlyThroughCaFile);
  CPPUNIT_TEST(requiredStarttlsNotOfferedIsAFinalRefusal);
  CPPUNIT_TEST(repliesTellFinalFromTemporaryAndNameTheServer);
  CPPUNIT_TEST(wrongPasswordIsFinalAndTheErrorNeverHoldsThePassword);
  CPPUNIT_TEST(ehloAnnouncesANameOrAddressLiteralNeverABareIp);
  CPPUNIT_TEST(severalMailsGoOverOneSessionEachReportedInTurn);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override { ca = std::make_unique<TestCa>(); }
  void tearDown() override {
    smtp.reset();
    ca.reset();
  }

  // A strict server with STARTTLS and a certificate for `san`; AUTH when `user` is set.
  void startTls(const std::string& san, const std::string& user = "",
                const std::string& mechanisms = "PLAIN,LOGIN") {
    auto cert = ca->issue("server", san);
    SmtpServer::Options o;
    o.certificate = cert.first;
    o.privateKey = cert.second;
    o.user = user;
    o.password = user.empty() ? "" : "s3cret pass";
    o.mechanisms = mechanisms;
    smtp = std::make_unique<SmtpServer>(o);
    smtp->start();
  }
  mail::SmtpSettings settings() {
    mail::SmtpSettings s;
    s.port = smtp->port();
    s.from = "keywarden@example.com";
    s.timeoutMs = 5000;
    return s;
  }
  mail::SmtpSettings tlsSettings(const std::string& user = "") {
    mail::SmtpSettings s = settings();
    s.starttls = true;
    s.caFile = ca->caFile();
    s.user = user;
    s.password = user.empty() ? "" : "s3cret pass";
    return s;
  }
  std::string where() { return "127.0.0.1:" + std::to_string(smtp->port()); }

  void starttlsWithoutAuthDeliversWithEhloAgainAfterTls() {
    startTls("IP:127.0.0.1,DNS:localhost");
    mail::SmtpTransport t(tlsSettings());
    t.send("dev@example.com", sample(), "<m1@keywarden>");
    auto got = smtp->waitFor("dev@example.com", 1, 5);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->refusals(), size_t(1), got.size());
    CPPUNIT_ASSERT(got[0].tls);
    CPPUNIT_ASSERT_EQUAL(std::string(kSubject), got[0].subject);
    CPPUNIT_ASSERT_EQUAL(std::string("Keywarden <keywarden@example.com>"), got[0].from);
  }

  void authPlainIsPreferredWhenTheServerOffersIt() {
    startTls("IP:127.0.0.1", "mailer");
    mail::SmtpTransport t(tlsSettings("mailer"));
    t.send("dev@example.com", sample(), "<m1@keywarden>");
    auto got = smtp->waitFor("dev@example.com", 1, 5);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->refusals(), size_t(1), got.size());
    CPPUNIT_ASSERT_EQUAL(std::string("PLAIN"), got[0].authMechanism);
  }

  void authLoginWorksWithAiosmtpdsOwnChallengeText() {
    startTls("IP:127.0.0.1", "mailer", "LOGIN");  // challenges "User Name", not "Username:"
    mail::SmtpTransport t(tlsSettings("mailer"));
    t.send("dev@example.com", sample(), "<m1@keywarden>");
    auto got = smtp->waitFor("dev@example.com", 1, 5);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->log(), size_t(1), got.size());
    CPPUNIT_ASSERT_EQUAL(std::string("LOGIN"), got[0].authMechanism);
  }

  void certificateForAnotherNameIsRefusedNamingTheServer() {
    startTls("DNS:mail.example.com");
    mail::SmtpTransport t(tlsSettings());
    mail::TransportError e = sendFails(t, "dev@example.com");
    CPPUNIT_ASSERT_MESSAGE(e.what(), std::string(e.what()).find(where()) != std::string::npos);
    CPPUNIT_ASSERT(e.temporary());  // as any TLS trouble: retried until smtp.giveUpAfter
    CPPUNIT_ASSERT_EQUAL(size_t(0), smtp->messages().size());
  }

  void privateCaIsTrustedOnlyThroughCaFile() {
    startTls("IP:127.0.0.1");
    mail::SmtpSettings s = tlsSettings();
    s.caFile.clear();  // the system's CAs do not know the test CA
    mail::SmtpTransport untrusting(s);
    mail::TransportError e = sendFails(untrusting, "dev@example.com");
    CPPUNIT_ASSERT_MESSAGE(e.what(), std::string(e.what()).find(where()) != std::string::npos);
    CPPUNIT_ASSERT(e.temporary());
    CPPUNIT_ASSERT_EQUAL(size_t(0), smtp->messages().size());
    mail::SmtpTransport trusting(tlsSettings());
    trusting.send("dev@example.com", sample(), "<m2@keywarden>");
    CPPUNIT_ASSERT_EQUAL(size_t(1), smtp->waitFor("dev@example.com", 1, 5).size());
  }

  void requiredStarttlsNotOfferedIsAFinalRefusal() {
    smtp = std::make_unique<SmtpServer>();
    smtp->start();
    mail::SmtpSettings s = settings();
    s.starttls = true;
    mail::SmtpTransport t(s);
    mail::TransportError e = sendFails(t, "dev@example.com");
    CPPUNIT_ASSERT_MESSAGE(e.what(), !e.temporary());
    CPPUNIT_ASSERT_MESSAGE(e.what(), std::string(e.what()).find(where()) != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(size_t(0), smtp->messages().size());
  }

  void repliesTellFinalFromTemporaryAndNameTheServer() {
    smtp = std::make_unique<SmtpServer>();
    smtp->start();
    mail::SmtpTransport t(settings());
    mail::TransportError refused = sendFails(t, "reject@example.com");
    CPPUNIT_ASSERT_MESSAGE(refused.what(), !refused.temporary());
    CPPUNIT_ASSERT_MESSAGE(refused.what(),
                           std::string(refused.what()).find(where()) != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(
        refused.what(),
        std::string(refused.what()).find("550 5.1.1 no such user here") != std::string::npos);
    mail::TransportError later = sendFails(t, "later@example.com");
    CPPUNIT_ASSERT_MESSAGE(later.what(), later.temporary());
    CPPUNIT_ASSERT_MESSAGE(
        later.what(),
        std::string(later.what()).find("451 4.3.0 try again later") != std::string::npos);
    mail::TransportError bad = sendFails(t, "dev@example.com\r\nRCPT TO:<x@evil.test>");
    CPPUNIT_ASSERT_MESSAGE(bad.what(), !bad.temporary());
    std::string w = where();
    smtp->stop();
    mail::TransportError down = sendFails(t, "dev@example.com");
    CPPUNIT_ASSERT_MESSAGE(down.what(), down.temporary());
    CPPUNIT_ASSERT_MESSAGE(down.what(), std::string(down.what()).find(w) != std::string::npos);
  }

  void wrongPasswordIsFinalAndTheErrorNeverHoldsThePassword() {
    startTls("IP:127.0.0.1", "mailer");
    mail::SmtpSettings s = tlsSettings("mailer");
    s.password = "wrong-Pa55word";
    mail::SmtpTransport t(s);
    mail::TransportError e = sendFails(t, "dev@example.com");
    CPPUNIT_ASSERT_MESSAGE(e.what(), !e.temporary());  // 535
    CPPUNIT_ASSERT(std::string(e.what()).find("wrong-Pa55word") == std::string::npos);
    CPPUNIT_ASSERT_EQUAL(size_t(0), smtp->messages().size());
  }

  void ehloAnnouncesANameOrAddressLiteralNeverABareIp() {
    smtp = std::make_unique<SmtpServer>();  // refuses MAIL after a bare-IP or dotless EHLO
    smtp->start();
    mail::SmtpTransport byDefault(settings());
    byDefault.send("dev@example.com", sample(), "<m1@keywarden>");
    mail::SmtpSettings s = settings();
    s.heloName = "keywarden.example.org";
    mail::SmtpTransport named(s);
    named.send("ops@example.com", sample(), "<m2@keywarden>");
    auto first = smtp->waitFor("dev@example.com", 1, 5);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->refusals(), size_t(1), first.size());
    CPPUNIT_ASSERT_EQUAL(byDefault.greetingName(), first[0].helo);
    CPPUNIT_ASSERT_MESSAGE(first[0].helo, first[0].helo != "127.0.0.1");
    auto second = smtp->waitFor("ops@example.com", 1, 5);
    CPPUNIT_ASSERT_EQUAL(size_t(1), second.size());
    CPPUNIT_ASSERT_EQUAL(std::string("keywarden.example.org"), second[0].helo);
  }

  void severalMailsGoOverOneSessionEachReportedInTurn() {
    smtp = std::make_unique<SmtpServer>();
    smtp->start();
    mail::SmtpTransport t(settings());
    auto batchOf = [](std::vector<std::string> to) {
      std::vector<mail::OutgoingMail> batch;
      for (const auto& a : to) batch.push_back({a, sample("for " + a), "<" + a + ">"});
      return batch;
    };
    std::vector<std::string> outcomes;
    t.sendBatch(batchOf({"a@example.com", "b@example.com", "c@example.com"}),
                [&](size_t, const mail::TransportError* e) {
                  CPPUNIT_ASSERT_MESSAGE(e ? e->what() : "", e == nullptr);
                });
    auto got = smtp->messages();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->refusals(), size_t(3), got.size());
    CPPUNIT_ASSERT(got[0].peerPort != 0);
    CPPUNIT_ASSERT_EQUAL(got[0].peerPort, got[1].peerPort);  // one TCP connection
    CPPUNIT_ASSERT_EQUAL(got[0].peerPort, got[2].peerPort);
    // Each outcome is reported before the next mail goes out, a refusal too.
    std::vector<size_t> heldAtReport;
    t.sendBatch(batchOf({"d@example.com", "reject@example.com", "e@example.com"}),
                [&](size_t, const mail::TransportError* e) {
                  heldAtReport.push_back(smtp->messages().size());
                  outcomes.push_back(e ? (e->temporary() ? "temporary" : "final") : "sent");
                });
    CPPUNIT_ASSERT_EQUAL(std::string("sent final sent"),
                         outcomes[0] + " " + outcomes[1] + " " + outcomes[2]);
    CPPUNIT_ASSERT_EQUAL(size_t(4), heldAtReport[0]);
    CPPUNIT_ASSERT_EQUAL(size_t(4), heldAtReport[1]);
    CPPUNIT_ASSERT_EQUAL(size_t(5), heldAtReport[2]);
  }

  std::unique_ptr<TestCa> ca;
  std::unique_ptr<SmtpServer> smtp;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SmtpTransportTest);
