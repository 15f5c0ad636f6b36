#include <chrono>
#include <regex>
#include <thread>

#include "tests/integration/Fixture.h"
#include "tests/support/SmtpServer.h"

using namespace keywarden::test;

namespace {
// One level that needs both approvers: after one approves, the other is still waited for.
const char* kFlow = R"({"id":"both","priority":0,"match":{},"levels":[
  {"name":"Team","approvers":["lead@example.com","deputy@example.com"],"policy":"all"}]})";

// Applications for a client of type "filtered" go to an approver whose server quotes refused mail.
const char* kQuotedFlow = R"({"id":"quoted","priority":5,"match":{"clientTypes":["filtered"]},
  "levels":[{"name":"Filtered","approvers":["quote.lead@example.com"],"policy":"any"}]})";

std::string pathOf(const std::string& link) {
  size_t at = link.find("/approvals/");
  return at == std::string::npos ? "" : link.substr(at);
}

// The value of one sample line in a Prometheus text exposition, or -1 when absent.
double sample(const std::string& text, const std::string& name) {
  size_t at = 0;
  while ((at = text.find(name + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + name.size() + 1));
    at += name.size();
  }
  return -1;
}
}  // namespace

// When a mail fails for good, nothing is lost: a FAILED key-issued mail keeps its sealed key
// until an admin resends it (to a corrected address) or discards it; approvers can be reminded
// with fresh links; /metrics shows the mail and job queues. Against the strict SMTP receiver
// (an RCPT to an address starting with "reject" gets 550: a permanent refusal).
class MailRecoveryTest : public Fixture {
  CPPUNIT_TEST_SUITE(MailRecoveryTest);
  CPPUNIT_TEST(refusedKeyMailKeepsItsSealedKeyAndResendToACorrectedAddressDeliversItOnce);
  CPPUNIT_TEST(discardErasesTheSealedKeyAndOnlyAFailedMailIsResentOrDiscarded);
  CPPUNIT_TEST(metricsShowPendingAndFailedMailAndJobQueues);
  CPPUNIT_TEST(remindSendsFreshLinksOnlyToApproversStillWaitedFor);
  CPPUNIT_TEST(aRefusalQuotingTheMailKeepsTheKeyAndTheLinkOutOfTheLogAndTheMailLog);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    smtp = std::make_unique<SmtpServer>();
    flows = std::make_unique<TempDir>("kwflows");
    writeFile(flows->file("both.json"), kFlow);
    writeFile(flows->file("quoted.json"), kQuotedFlow);
    return {{"smtp.port", std::to_string(smtp->port())},
            {"workflows.dir", flows->path()},
            {"public.baseUrl", "http://127.0.0.1:" + std::to_string(0)},
            {"smtp.retryMax", "1s"}};
  }

  void setUp() override {
    Fixture::setUp();
    admin("POST", "/v1/clients", R"({"id":"web","name":"Web Shop","clientType":"web"})");
  }

  std::string submitAs(const std::string& token) {
    HttpResponse r = as(token, "POST", "/v1/applications",
                        R"({"kind":"new","clientId":"web","keyName":"orders","quota":50})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    return r.json()->getValue<std::string>("id");
  }
  void approveAs(const std::string& id, const std::string& approver) {
    HttpResponse r = admin("POST", "/v1/applications/" + id + "/decisions",
                           R"({"decision":"approve","approver":")" + approver + "\"}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
  }
  // The first mail of `event` to `to` in the mail log, once it has `status` (waits up to 20 s).
  Poco::JSON::Object::Ptr mailOnce(const std::string& to, const std::string& event,
                                   const std::string& status) {
    for (int i = 0; i < 200; ++i) {
      auto log = admin("GET", "/v1/mail?to=" + to).json()->getArray("mail");
      for (size_t j = 0; j < log->size(); ++j) {
        auto m = log->getObject(static_cast<unsigned>(j));
        if (m->getValue<std::string>("event") == event &&
            m->getValue<std::string>("status") == status)
          return m;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CPPUNIT_FAIL("no " + event + " mail to " + to + " became " + status +
                 "; log: " + admin("GET", "/v1/mail?to=" + to).body);
    return nullptr;
  }
  // A key-issued mail refused for good: the requester's address starts with "reject".
  Poco::JSON::Object::Ptr refusedKeyMail() {
    std::string requester = token("--role requester --email reject.req@example.com");
    std::string id = submitAs(requester);
    approveAs(id, "lead@example.com");
    approveAs(id, "deputy@example.com");
    return mailOnce("reject.req@example.com", "key-issued", "FAILED");
  }
  std::string sealedLength(const std::string& mailId) {
    return server->sql("SELECT length(sealed_secret) FROM outbox WHERE id = '" + mailId + "'");
  }
  std::string metrics() { return server->client().request("GET", "/metrics").body; }
  // Polls /metrics (its queue figures are at most a second old) until `name` is `want`.
  double metricBecomes(const std::string& name, double want) {
    double v = -1;
    for (int i = 0; i < 100; ++i) {
      v = sample(metrics(), name);
      if (v == want) return v;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return v;
  }

  // A content filter's 550 quotes the message: neither the key nor an approver link's token may
  // reach lastError (GET /v1/mail) or the server log through it.
  void aRefusalQuotingTheMailKeepsTheKeyAndTheLinkOutOfTheLogAndTheMailLog() {
    smtp->start();
    // The approver link first: the approver's server quotes the approval request, link and all.
    admin("POST", "/v1/clients", R"({"id":"filtered","name":"F","clientType":"filtered"})");
    std::string asker = token("--role requester --email asker@example.com");
    HttpResponse quoted = as(asker, "POST", "/v1/applications",
                             R"({"kind":"new","clientId":"filtered","keyName":"q"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(quoted.body, 201, quoted.status);
    auto linkMail = mailOnce("quote.lead@example.com", "approval-requested", "FAILED");
    std::string linkWhy = linkMail->getValue<std::string>("lastError");
    CPPUNIT_ASSERT_MESSAGE(linkWhy, linkWhy.find("/approvals/[link]") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(linkWhy, !std::regex_search(linkWhy, std::regex("/approvals/[^\\[]")));
    CPPUNIT_ASSERT_MESSAGE(
        "a link token in the log",
        !std::regex_search(server->log(), std::regex("/approvals/[A-Za-z0-9_-]{20,}")));
    // Then the key.
    std::string requester = token("--role requester --email quote.req@example.com");
    std::string id = submitAs(requester);
    approveAs(id, "lead@example.com");
    approveAs(id, "deputy@example.com");
    auto keyMail = mailOnce("quote.req@example.com", "key-issued", "FAILED");
    std::string why = keyMail->getValue<std::string>("lastError");
    CPPUNIT_ASSERT_MESSAGE(why, why.find("content rejected") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(why, why.find("[the key]") != std::string::npos);
    std::regex key("kw_[A-Za-z0-9]{20,}");
    CPPUNIT_ASSERT_MESSAGE(why, !std::regex_search(why, key));
    CPPUNIT_ASSERT_MESSAGE("a key in the log", !std::regex_search(server->log(), key));
    // The key is still sealed: a resend to a working address delivers it.
    CPPUNIT_ASSERT(keyMail->getValue<bool>("keySealed"));
  }

  void refusedKeyMailKeepsItsSealedKeyAndResendToACorrectedAddressDeliversItOnce() {
    smtp->start();
    auto failed = refusedKeyMail();
    std::string id = failed->getValue<std::string>("id");
    CPPUNIT_ASSERT_MESSAGE(
        failed->getValue<std::string>("lastError"),
        failed->getValue<std::string>("lastError").find("550") != std::string::npos);
    // The key is kept sealed, so nothing is lost yet.
    CPPUNIT_ASSERT(failed->getValue<bool>("keySealed"));
    CPPUNIT_ASSERT(std::stoi(sealedLength(id)) > 0);

    // A bad corrected address is refused and changes nothing.
    for (const char* bad : {R"({"to":"not an address"})", R"({"to":"ü@example.com"})",
                            R"({"to":""})", R"({"to":5})"}) {
      HttpResponse r = admin("POST", "/v1/mail/" + id + "/resend", bad);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(bad) + r.body, 400, r.status);
      CPPUNIT_ASSERT_EQUAL(std::string("to"),
                           r.json()->getObject("error")->getValue<std::string>("field"));
    }
    HttpResponse unknownField = admin("POST", "/v1/mail/" + id + "/resend", R"({"cc":"x@y.z"})");
    CPPUNIT_ASSERT_EQUAL(400, unknownField.status);
    CPPUNIT_ASSERT_EQUAL(std::string("FAILED"),
                         mailOnce("reject.req@example.com", "key-issued", "FAILED")
                             ->getValue<std::string>("status"));

    HttpResponse resent =
        admin("POST", "/v1/mail/" + id + "/resend", R"({"to":"Req@Example.com"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(resent.body, 200, resent.status);
    auto m = resent.json();
    CPPUNIT_ASSERT_EQUAL(id, m->getValue<std::string>("id"));
    CPPUNIT_ASSERT_EQUAL(std::string("PENDING"), m->getValue<std::string>("status"));
    CPPUNIT_ASSERT_EQUAL(std::string("req@example.com"), m->getValue<std::string>("to"));
    CPPUNIT_ASSERT_EQUAL(0, m->getValue<int>("attempts"));
    CPPUNIT_ASSERT_EQUAL(failed->getValue<std::string>("messageId"),
                         m->getValue<std::string>("messageId"));

    auto delivered = smtp->waitFor("req@example.com", 1);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(smtp->refusals(), size_t(1), delivered.size());
    std::smatch match;
    CPPUNIT_ASSERT_MESSAGE(
        delivered[0].text,
        std::regex_search(delivered[0].text, match, std::regex(R"(kw_[0-9A-Za-z]{49})")));
    std::string key = match.str();
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    CPPUNIT_ASSERT_EQUAL(failed->getValue<std::string>("messageId"), delivered[0].messageId);

    // SENT: the sealed key is gone, and a second resend is refused.
    auto sent = mailOnce("req@example.com", "key-issued", "SENT");
    CPPUNIT_ASSERT(!sent->getValue<bool>("keySealed"));
    CPPUNIT_ASSERT_EQUAL(std::string("0"), sealedLength(id));
    HttpResponse again = admin("POST", "/v1/mail/" + id + "/resend");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(again.body, 409, again.status);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_STATE"),
                         again.json()->getObject("error")->getValue<std::string>("code"));
    CPPUNIT_ASSERT(eventually([&] { return unsentMail() == 0; }));  // nothing more goes out
    CPPUNIT_ASSERT_EQUAL(size_t(1), smtp->messagesTo("req@example.com").size());
    CPPUNIT_ASSERT_EQUAL(std::string("1"),
                         server->sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                                     "'mail.resend' AND object_id = '" +
                                     id + "'"));
    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    CPPUNIT_ASSERT(server->storedBytes().find(key.substr(7)) == std::string::npos);
    CPPUNIT_ASSERT(server->log().find(key.substr(7)) == std::string::npos);
  }

  void discardErasesTheSealedKeyAndOnlyAFailedMailIsResentOrDiscarded() {
    smtp->start();
    auto failed = refusedKeyMail();
    std::string id = failed->getValue<std::string>("id");
    CPPUNIT_ASSERT(std::stoi(sealedLength(id)) > 0);

    // Only admins of all tenants recover mail.
    std::string scoped = token("--role admin --tenant acme");
    CPPUNIT_ASSERT_EQUAL(403, as(scoped, "POST", "/v1/mail/" + id + "/discard").status);
    CPPUNIT_ASSERT_EQUAL(403, as(scoped, "POST", "/v1/mail/" + id + "/resend").status);
    CPPUNIT_ASSERT_EQUAL(404, admin("POST", "/v1/mail/mail_nope/resend").status);
    CPPUNIT_ASSERT_EQUAL(404, admin("POST", "/v1/mail/mail_nope/discard").status);

    // The key was revoked meanwhile: it is not delivered; the mail can only be discarded.
    std::string keyId = failed->getValue<std::string>("keyId");
    HttpResponse revoked =
        admin("POST", "/v1/keys/" + keyId + "/revoke", R"({"reason":"never delivered"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(revoked.body, 200, revoked.status);
    HttpResponse dead = admin("POST", "/v1/mail/" + id + "/resend");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(dead.body, 409, dead.status);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_STATE"),
                         dead.json()->getObject("error")->getValue<std::string>("code"));
    CPPUNIT_ASSERT_EQUAL(std::string("FAILED"),
                         mailOnce("reject.req@example.com", "key-issued", "FAILED")
                             ->getValue<std::string>("status"));

    HttpResponse d = admin("POST", "/v1/mail/" + id + "/discard");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(d.body, 200, d.status);
    CPPUNIT_ASSERT_EQUAL(std::string("DISCARDED"), d.json()->getValue<std::string>("status"));
    CPPUNIT_ASSERT(!d.json()->getValue<bool>("keySealed"));
    CPPUNIT_ASSERT_EQUAL(std::string("0"), sealedLength(id));
    CPPUNIT_ASSERT_EQUAL(409, admin("POST", "/v1/mail/" + id + "/discard").status);
    CPPUNIT_ASSERT_EQUAL(409, admin("POST", "/v1/mail/" + id + "/resend").status);
    auto listed = admin("GET", "/v1/mail?status=DISCARDED").json()->getArray("mail");
    CPPUNIT_ASSERT_EQUAL(size_t(1), listed->size());
    CPPUNIT_ASSERT_EQUAL(std::string("1"),
                         server->sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                                     "'mail.discard' AND object_id = '" +
                                     id + "'"));

    // A SENT mail (the approver's) is neither resent nor discarded.
    std::string sentId =
        mailOnce("lead@example.com", "approval-requested", "SENT")->getValue<std::string>("id");
    HttpResponse r = admin("POST", "/v1/mail/" + sentId + "/resend");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 409, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_STATE"),
                         r.json()->getObject("error")->getValue<std::string>("code"));
    CPPUNIT_ASSERT_EQUAL(409, admin("POST", "/v1/mail/" + sentId + "/discard").status);
    CPPUNIT_ASSERT(eventually([&] { return unsentMail() == 0; }));  // nothing more goes out
    CPPUNIT_ASSERT_EQUAL(size_t(1), smtp->messagesTo("lead@example.com").size());
  }

  void metricsShowPendingAndFailedMailAndJobQueues() {
    // The SMTP server is down: the two approval mails wait.
    std::string requester = token("--role requester --email reject.req@example.com");
    std::string id = submitAs(requester);
    CPPUNIT_ASSERT_EQUAL(2.0, metricBecomes("keywarden_mail_queue{status=\"pending\"}", 2));
    CPPUNIT_ASSERT(eventually(
        [&] { return sample(metrics(), "keywarden_mail_oldest_pending_age_seconds") >= 1.0; }, 5000,
        100));
    CPPUNIT_ASSERT_EQUAL(0.0, sample(metrics(), "keywarden_mail_queue{status=\"failed\"}"));
    CPPUNIT_ASSERT(sample(metrics(), "keywarden_jobs{status=\"pending\"}") >= 1);
    CPPUNIT_ASSERT_EQUAL(0.0, sample(metrics(), "keywarden_jobs{status=\"failed\"}"));
    CPPUNIT_ASSERT(sample(metrics(), "keywarden_jobs_oldest_overdue_seconds") >= 0);

    smtp->start();
    CPPUNIT_ASSERT_EQUAL(0.0, metricBecomes("keywarden_mail_queue{status=\"pending\"}", 0));
    // (A mail may still be SENDING a moment longer: it counts as not yet sent.)
    CPPUNIT_ASSERT_EQUAL(0.0, metricBecomes("keywarden_mail_oldest_pending_age_seconds", 0));
    CPPUNIT_ASSERT_EQUAL(0.0, sample(metrics(), "keywarden_mail_queue{status=\"sending\"}"));

    // A refused mail counts as failed until it is discarded.
    HttpResponse r = admin("POST", "/v1/applications/" + id + "/decisions",
                           R"({"decision":"reject","approver":"lead@example.com"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    CPPUNIT_ASSERT_EQUAL(1.0, metricBecomes("keywarden_mail_queue{status=\"failed\"}", 1));
    std::string mailId =
        mailOnce("reject.req@example.com", "rejected", "FAILED")->getValue<std::string>("id");
    CPPUNIT_ASSERT_EQUAL(200, admin("POST", "/v1/mail/" + mailId + "/discard").status);
    CPPUNIT_ASSERT_EQUAL(0.0, metricBecomes("keywarden_mail_queue{status=\"failed\"}", 0));
  }

  void remindSendsFreshLinksOnlyToApproversStillWaitedFor() {
    smtp->start();
    std::string requester = token("--role requester --email req@example.com");
    std::string approver = token("--role approver --email lead@example.com");
    std::string id = submitAs(requester);
    auto first = smtp->waitFor("deputy@example.com", 1);
    CPPUNIT_ASSERT_EQUAL(size_t(1), first.size());
    std::string oldLink = pathOf(findLink(first[0].text, "/approvals/"));

    // The links just went out: too soon to remind.
    HttpResponse soon = as(requester, "POST", "/v1/applications/" + id + "/remind");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(soon.body, 409, soon.status);
    CPPUNIT_ASSERT_EQUAL(std::string("REMINDED_RECENTLY"),
                         soon.json()->getObject("error")->getValue<std::string>("code"));
    CPPUNIT_ASSERT_EQUAL(403, as(approver, "POST", "/v1/applications/" + id + "/remind").status);
    CPPUNIT_ASSERT_EQUAL(404, admin("POST", "/v1/applications/app_nope/remind").status);
    CPPUNIT_ASSERT_EQUAL(
        400, admin("POST", "/v1/applications/" + id + "/remind", R"({"approver":"x@example.com"})")
                 .status);

    approveAs(id, "lead@example.com");  // the level still waits for the deputy
    // A reminder is refused for a minute after the links went out; asked until it is taken.
    HttpResponse r;
    CPPUNIT_ASSERT(eventually(
        [&] {
          r = as(requester, "POST", "/v1/applications/" + id + "/remind");
          return r.status != 409;
        },
        75000, 1000));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    auto reminded = r.json()->getArray("reminded");
    CPPUNIT_ASSERT_EQUAL(size_t(1), reminded->size());
    CPPUNIT_ASSERT_EQUAL(std::string("deputy@example.com"), reminded->getElement<std::string>(0));
    CPPUNIT_ASSERT_EQUAL(1, r.json()->getValue<int>("level"));
    // A second reminder at once is refused.
    HttpResponse twice = admin("POST", "/v1/applications/" + id + "/remind");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(twice.body, 409, twice.status);

    auto deputy = smtp->waitFor("deputy@example.com", 2);
    CPPUNIT_ASSERT_EQUAL(size_t(2), deputy.size());
    std::string newLink = pathOf(findLink(deputy[1].text, "/approvals/"));
    CPPUNIT_ASSERT(!newLink.empty() && newLink != oldLink);
    CPPUNIT_ASSERT(eventually([&] { return unsentMail() == 0; }));  // nothing more goes out
    CPPUNIT_ASSERT_EQUAL(size_t(1), smtp->messagesTo("lead@example.com").size());
    CPPUNIT_ASSERT_EQUAL(std::string("1"),
                         server->sql("SELECT COUNT(*) FROM audit_log WHERE action = "
                                     "'application.remind' AND object_id = '" +
                                     id + "'"));

    // Both links show the decision form; the new one decides.
    CPPUNIT_ASSERT_EQUAL(200, server->client().request("GET", oldLink).status);
    HttpResponse page = server->client().request("GET", newLink);
    CPPUNIT_ASSERT_EQUAL(200, page.status);
    CPPUNIT_ASSERT(page.body.find("value=\"approve\"") != std::string::npos);
    HttpResponse done = server->client().request("POST", newLink, "decision=approve", {},
                                                 "application/x-www-form-urlencoded");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(done.body, 200, done.status);
    CPPUNIT_ASSERT_EQUAL(
        std::string("ISSUED"),
        admin("GET", "/v1/applications/" + id).json()->getValue<std::string>("state"));
    HttpResponse late = admin("POST", "/v1/applications/" + id + "/remind");
    CPPUNIT_ASSERT_EQUAL(409, late.status);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_STATE"),
                         late.json()->getObject("error")->getValue<std::string>("code"));
  }

  std::unique_ptr<SmtpServer> smtp;
  std::unique_ptr<TempDir> flows;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MailRecoveryTest);
