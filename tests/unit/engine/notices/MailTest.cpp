// The mail module with a fake transport and a manual clock, on a real SQLite store: what the
// templates say, retries and give-up, sealed keys, links. Outbox durability is in
// OutboxDurabilityTest.
#include "tests/unit/engine/notices/MailFixture.h"

using namespace keywarden;
using test::kSecret;
using test::kT0;

class MailTest : public test::MailFixture {
  CPPUNIT_TEST_SUITE(MailTest);
  CPPUNIT_TEST(templatesEscapeHtmlOnlyAndEveryEventRenders);
  CPPUNIT_TEST(senderRetriesWithDoublingBackOffThenSendsOnceWithOneMessageId);
  CPPUNIT_TEST(senderGivesUpOnPermanentRefusalOrAfterTheDeadline);
  CPPUNIT_TEST(sealedKeyIsErasedOnceSent);
  CPPUNIT_TEST(linksAreSignedBoundAndExpire);
  CPPUNIT_TEST(keyMailsNameEachApiWithMethodAndPathAndSayUnrestrictedOnlyWithoutGrants);
  CPPUNIT_TEST(carriedOutByAFlowWithoutLevelsSaysSoAndNamesNoApprover);
  CPPUNIT_TEST(withdrawalSaysWhoWithdrew);
  CPPUNIT_TEST(rejectionByTheTimeoutRuleSaysNoOneDecidedInTime);
  CPPUNIT_TEST(expiryMailsGiveTheExactApplicationToSend);
  CPPUNIT_TEST(emptyCommentShowsNoCommentLine);
  CPPUNIT_TEST_SUITE_END();

 public:
  void templatesEscapeHtmlOnlyAndEveryEventRenders() {
    for (const auto& e : mail::TemplateSet::mailEvents()) {
      auto r = templates->renderMail(e, R"({"number":"KA-1","keyName":"k","clientName":"Shop"})");
      CPPUNIT_ASSERT_MESSAGE(e, !r.subject.empty() && !r.text.empty() && !r.html.empty());
      CPPUNIT_ASSERT_MESSAGE(e, r.subject.find('\n') == std::string::npos);
    }
    auto r = templates->renderMail("rejected", R"({"number":"KA-1","comment":"use <b> & co"})");
    CPPUNIT_ASSERT(r.text.find("use <b> & co") != std::string::npos);
    CPPUNIT_ASSERT(r.html.find("use &lt;b&gt; &amp; co") != std::string::npos);
  }

  void senderRetriesWithDoublingBackOffThenSendsOnceWithOneMessageId() {
    enqueue("m1", "rejected");
    transport.failures = 3;
    CPPUNIT_ASSERT_EQUAL(1, sender->drainOnce());
    CPPUNIT_ASSERT_EQUAL(kT0 + 1000, row("m1").nextAttemptAt);
    CPPUNIT_ASSERT_EQUAL(0, sender->drainOnce());  // not due yet
    clock->advance(1000);
    sender->drainOnce();
    CPPUNIT_ASSERT_EQUAL(kT0 + 1000 + 2000, row("m1").nextAttemptAt);
    clock->advance(2000);
    sender->drainOnce();
    CPPUNIT_ASSERT_EQUAL(kT0 + 3000 + 4000, row("m1").nextAttemptAt);  // capped at retryMax
    CPPUNIT_ASSERT_EQUAL(std::string("421 try later"), row("m1").lastError);
    clock->advance(4000);
    sender->drainOnce();
    CPPUNIT_ASSERT_EQUAL(std::string("SENT"), row("m1").status);
    CPPUNIT_ASSERT_EQUAL(4, row("m1").attempts);
    CPPUNIT_ASSERT_EQUAL(size_t(1), transport.sent.size());
    for (const auto& id : transport.messageIds)
      CPPUNIT_ASSERT_EQUAL(std::string("<m1@keywarden>"), id);
    clock->advance(60000);
    CPPUNIT_ASSERT_EQUAL(0, sender->drainOnce());
    CPPUNIT_ASSERT_EQUAL(size_t(1), transport.sent.size());
  }

  void senderGivesUpOnPermanentRefusalOrAfterTheDeadline() {
    enqueue("perm", "rejected");
    transport.failures = 1;
    transport.permanent = true;
    sender->drainOnce();
    CPPUNIT_ASSERT_EQUAL(std::string("FAILED"), row("perm").status);
    CPPUNIT_ASSERT_EQUAL(std::string("550 no such user"), row("perm").lastError);
    enqueue("late", "rejected");
    transport.permanent = false;
    transport.failures = 1000;
    for (int i = 0; i < 30 && row("late").status == "PENDING"; ++i) {
      sender->drainOnce();
      clock->advance(5000);
    }
    CPPUNIT_ASSERT_EQUAL(std::string("FAILED"), row("late").status);
  }

  void sealedKeyIsErasedOnceSent() {
    enqueue("k", "key-issued", "kw_theplaintextkey");
    CPPUNIT_ASSERT(!row("k").sealedSecret.empty());
    CPPUNIT_ASSERT(row("k").sealedSecret.find("theplaintextkey") == std::string::npos);
    sender->drainOnce();
    CPPUNIT_ASSERT_EQUAL(size_t(1), transport.sent.size());
    CPPUNIT_ASSERT(transport.sent[0].second.text.find("kw_theplaintextkey") != std::string::npos);
    CPPUNIT_ASSERT(row("k").sealedSecret.empty());
    CPPUNIT_ASSERT_EQUAL(std::string("SENT"), row("k").status);
  }

  // The process dies (here: the transport throws something that is no TransportError) after the
  // server accepted two mails of a batch of five: those two are SENT; the rest go out once.
  // The store (PostgreSQL restarting) fails right after a batch was claimed: nothing went out,
  // and the batch must be back in the queue once the store answers again — not held under this
  // instance's own lease until it runs out (found by make chaos: mails SENDING for 2 minutes
  // after PostgreSQL came back). The sibling: the end-of-batch release failing too.
  // Killed between the server's 250 and the store's commit: the journal holds the ids, and the
  // next start marks those mails SENT before the leases of the dead run are released.
  void linksAreSignedBoundAndExpire() {
    engine::LinkSigner signer(kSecret, 60000);
    std::string token;
    store->write([&](engine::Transaction& tx) {
      token = signer.issue(tx, "app_1", "lead@example.com", 2, kT0);
    });
    engine::LinkClaims c;
    CPPUNIT_ASSERT(signer.check(token, kT0 + 1000, c) == engine::LinkSigner::Check::Valid);
    CPPUNIT_ASSERT_EQUAL(std::string("app_1"), c.applicationId);
    CPPUNIT_ASSERT_EQUAL(std::string("lead@example.com"), c.approver);
    CPPUNIT_ASSERT_EQUAL(2, c.level);
    CPPUNIT_ASSERT(signer.check(token, kT0 + 60000, c) == engine::LinkSigner::Check::Expired);
    std::string tampered = token;
    tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
    CPPUNIT_ASSERT(signer.check(tampered, kT0, c) == engine::LinkSigner::Check::Forged);
    CPPUNIT_ASSERT(
        engine::LinkSigner("another-secret-0123456789abcdefgh", 60000).check(token, kT0, c) ==
        engine::LinkSigner::Check::Forged);
    CPPUNIT_ASSERT(signer.check("nonsense", kT0, c) == engine::LinkSigner::Check::Forged);
    int64_t used = -1;
    store->write([&](engine::Transaction& tx) {
      CPPUNIT_ASSERT(tx.outbox().findLink(c.id, used));
      CPPUNIT_ASSERT(tx.outbox().consumeLink(c.id, kT0));
      CPPUNIT_ASSERT(!tx.outbox().consumeLink(c.id, kT0));
    });
    CPPUNIT_ASSERT_EQUAL(std::string("hello, wörld"),
                         *engine::Base64Url::decode(engine::Base64Url::encode("hello, wörld")));
  }

  void keyMailsNameEachApiWithMethodAndPathAndSayUnrestrictedOnlyWithoutGrants() {
    auto a = application(engine::AppKind::New, 0);
    store->write([&](engine::Transaction& tx) {
      notices->keyIssued(tx, a, key({"orders-list"}), "kw_secret", kT0);
    });
    auto m = rendered("dev@example.com").at(0);
    for (const auto& part : {m.text, m.html}) {
      CPPUNIT_ASSERT_MESSAGE(part, has(part, "List orders (GET /orders/*)"));
      CPPUNIT_ASSERT_MESSAGE(part, !has(part, "unrestricted"));
    }
    a.requesterEmail = "grp@example.com";
    store->write([&](engine::Transaction& tx) {
      notices->keyIssued(tx, a, key({}, {"reports"}, {"orders:*"}), "kw_secret", kT0);
    });
    m = rendered("grp@example.com").at(0);
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text, "Reports: List orders (GET /orders/*)"));
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text, "orders:*"));
    CPPUNIT_ASSERT_MESSAGE(m.text, !has(m.text, "unrestricted"));
    a.requesterEmail = "open@example.com";
    store->write(
        [&](engine::Transaction& tx) { notices->keyIssued(tx, a, key({}), "kw_secret", kT0); });
    m = rendered("open@example.com").at(0);
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text, "unrestricted"));
    CPPUNIT_ASSERT_MESSAGE(m.html, has(m.html, "unrestricted"));
  }

  void carriedOutByAFlowWithoutLevelsSaysSoAndNamesNoApprover() {
    auto a = application(engine::AppKind::Revoke, 0);
    store->write([&](engine::Transaction& tx) { notices->applicationApproved(tx, a, kT0); });
    auto m = rendered("dev@example.com").at(0);
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text,
                                       "approved at once by the flow Open (f1), which has "
                                       "no approval levels"));
    CPPUNIT_ASSERT_MESSAGE(m.text, !has(m.text, "approved by"));
    CPPUNIT_ASSERT_MESSAGE(m.subject, has(m.subject, "Revoked: key sync"));
    // With levels, the approvers are named, and their comments reach the requester.
    auto b = application(engine::AppKind::Modify, 1);
    b.requesterEmail = "mod@example.com";
    b.history.push_back(
        {"d1", b.id, 1, "approve", "lead@example.com", "x", "only <till> May", kT0});
    store->write([&](engine::Transaction& tx) { notices->applicationApproved(tx, b, kT0); });
    m = rendered("mod@example.com").at(0);
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text, "approved by lead@example.com at Level 1"));
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text, "only <till> May"));
    CPPUNIT_ASSERT_MESSAGE(m.html, has(m.html, "only &lt;till&gt; May"));
  }

  void withdrawalSaysWhoWithdrew() {
    auto a = application(engine::AppKind::New, 1);
    a.level = 1;
    store->write([&](engine::Transaction& tx) {
      notices->withdrawn(tx, a, {"lead@example.com"}, true, "token:tok_r", kT0);
    });
    auto own = rendered("dev@example.com").at(0);
    CPPUNIT_ASSERT_MESSAGE(own.text, has(own.text, "You withdrew your application"));
    CPPUNIT_ASSERT_MESSAGE(own.text, !has(own.text, "by its requester"));
    auto lead = rendered("lead@example.com").at(0);
    CPPUNIT_ASSERT_MESSAGE(lead.text, has(lead.text, "dev@example.com, its requester, withdrew"));
    a.requesterEmail = "other@example.com";
    store->write([&](engine::Transaction& tx) {
      notices->withdrawn(tx, a, {}, false, "token:tok_admin", kT0);
    });
    auto byAdmin = rendered("other@example.com").at(0);
    CPPUNIT_ASSERT_MESSAGE(byAdmin.text, has(byAdmin.text,
                                             "an administrator (token:tok_admin) "
                                             "withdrew your application"));
  }

  void rejectionByTheTimeoutRuleSaysNoOneDecidedInTime() {
    auto a = application(engine::AppKind::New, 1);
    engine::Decision d{"d1",
                       a.id,
                       1,
                       "reject",
                       "system",
                       "system",
                       "no decision in time: rejected by the flow's rule",
                       kT0};
    a.history.push_back(d);
    store->write([&](engine::Transaction& tx) { notices->decided(tx, a, d, kT0); });
    auto m = rendered("dev@example.com").at(0);
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text,
                                       "no one decided within 2d at Level 1 (level 1 of "
                                       "1), and the flow rejects on timeout"));
    CPPUNIT_ASSERT_MESSAGE(m.text, !has(m.text, "rejected by system"));
    CPPUNIT_ASSERT_MESSAGE(m.text, has(m.text, "POST https://kw.example/v1/applications"));
  }

  void expiryMailsGiveTheExactApplicationToSend() {
    engine::Key k = key({"orders-list"});
    store->write([&](engine::Transaction& tx) {
      notices->keyExpiring(tx, k, kT0);
      notices->keyExpired(tx, k, kT0);
      notices->keyRevoked(tx, k, "", kT0);
    });
    auto mails = rendered("ops@example.com");  // the client's contact: no application
    CPPUNIT_ASSERT_EQUAL(size_t(3), mails.size());
    std::vector<mail::RenderedMail> all(3);  // expiring, expired, revoked
    for (auto& m : mails)
      all[m.subject.rfind("Expiring", 0) == 0 ? 0 : m.subject.rfind("Expired", 0) == 0 ? 1 : 2] = m;
    CPPUNIT_ASSERT_MESSAGE(all[0].text,
                           has(all[0].text, R"({"kind":"modify","clientId":"web",)"
                                            R"("keyId":"key_1","changes":{"expiresAt":)"));
    CPPUNIT_ASSERT_MESSAGE(all[0].text,
                           has(all[0].text, "POST https://kw.example/v1/applications"));
    for (size_t i : {1, 2}) {
      CPPUNIT_ASSERT_MESSAGE(all[i].text,
                             has(all[i].text, R"({"kind":"new","clientId":"web",)"
                                              R"("keyName":"sync","apis":["orders-list"])"));
      CPPUNIT_ASSERT_MESSAGE(all[i].html, has(all[i].html, "&quot;kind&quot;:&quot;new&quot;"));
    }
    CPPUNIT_ASSERT_MESSAGE(all[2].text, has(all[2].text, "An administrator revoked"));
  }

  void emptyCommentShowsNoCommentLine() {
    auto r = templates->renderMail("level-completed",
                                   R"({"number":"KA-1","decidedText":"x approved","comment":""})");
    CPPUNIT_ASSERT_MESSAGE(r.text, !has(r.text, "Comment:"));
    CPPUNIT_ASSERT_MESSAGE(r.html, !has(r.html, "<blockquote"));
    r = templates->renderMail("level-completed", R"({"number":"KA-1","comment":"a & b"})");
    CPPUNIT_ASSERT_MESSAGE(r.text, has(r.text, "Comment: a & b"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MailTest);
