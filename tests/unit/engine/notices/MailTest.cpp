// The mail module with a fake transport and a manual clock, on a real SQLite store.
#include <cppunit/extensions/HelperMacros.h>

#include <fstream>
#include <functional>
#include <set>
#include "engine/base/ManualClock.h"
#include "engine/crypto/Base64Url.h"
#include "engine/crypto/SecretBox.h"
#include "engine/flows/FlowParser.h"
#include "engine/notices/LinkSigner.h"
#include "engine/notices/Notices.h"

#include "mail/OutboxSender.h"
#include "mail/SentJournal.h"
#include "mail/TemplateSet.h"
#include "store/SqlStore.h"
#include "tests/support/TempDir.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;

namespace {
// Records what it is asked to send; fails while `failures` > 0.
class FakeTransport : public mail::MailTransport {
 public:
  int failures = 0;
  bool permanent = false;
  std::vector<std::pair<std::string, mail::RenderedMail>> sent;
  std::vector<std::string> messageIds;
  std::function<void(size_t)> before;  // called before mail n (0-based, over the object's life)
  void send(const std::string& to, const mail::RenderedMail& m, const std::string& id) override {
    if (before) before(messageIds.size());
    messageIds.push_back(id);
    if (failures > 0) {
      --failures;
      throw mail::TransportError(permanent ? "550 no such user" : "421 try later", !permanent);
    }
    sent.emplace_back(to, m);
  }
};

const int64_t kT0 = 1795219200000;
const char* kSecret = "0123456789abcdef0123456789abcdef";
}  // namespace

class MailTest : public CppUnit::TestFixture {
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
  CPPUNIT_TEST(eachAcceptedMailIsSentInTheStoreBeforeTheNextGoesOut);
  CPPUNIT_TEST(crashAfterTwoOfFiveSendsOnlyTheRestAfterRestart);
  CPPUNIT_TEST(journalledAcceptancesAreRecoveredAsSentNotSentAgain);
  CPPUNIT_TEST(storeFailureAfterTheClaimPutsTheBatchBackNotUnderLease);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>("kwmail");
    store = test::migratedStore(*dir);
    templates =
        std::make_unique<mail::TemplateSet>(std::string(KEYWARDEN_SOURCE_DIR) + "/templates");
    clock = std::make_unique<engine::ManualClock>(kT0);
    sealer = std::make_unique<engine::SecretBox>(kSecret, "key-delivery");
    mail::SenderSettings s;
    s.retryBaseMs = 1000;
    s.retryMaxMs = 4000;
    sender =
        std::make_unique<mail::OutboxSender>(*store, *templates, transport, *sealer, *clock, s);
    links = std::make_unique<engine::LinkSigner>(kSecret, 60000);
    notices = std::make_unique<engine::Notices>(*sealer, *links, "https://kw.example", 60000);
    store->write([&](engine::Transaction& tx) {
      engine::Client c;
      c.id = "web";
      c.name = "Web Shop";
      c.contactEmail = "ops@example.com";
      tx.catalog().insertClient(c);
      engine::ApiDef api;
      api.id = "orders-list";
      api.name = "List orders";
      api.method = "GET";
      api.path = "/orders/*";
      tx.catalog().insertApi(api);
      engine::Group g;
      g.id = "reports";
      g.name = "Reports";
      g.apis = {"orders-list"};
      tx.catalog().insertGroup(g);
    });
  }

  // A flow of `levels` levels ("Level 1" …, approver lead@example.com), rejecting after 48h.
  static std::string flowJson(int levels, const std::string& name = "Open") {
    engine::Flow f;
    f.id = "f1";
    f.name = name;
    for (int i = 1; i <= levels; ++i) {
      engine::FlowLevel l;
      l.name = "Level " + std::to_string(i);
      l.approvers = {"lead@example.com"};
      l.timeoutMs = 48 * 3600000LL;
      l.onTimeout = engine::FlowLevel::OnTimeout::Reject;
      f.levels.push_back(l);
    }
    return engine::FlowParser::toJson(f);
  }
  static engine::Application application(engine::AppKind kind, int levels) {
    engine::Application a;
    a.id = "app_1";
    a.number = "KA-20261130-0001";
    a.kind = kind;
    a.clientId = "web";
    a.keyName = "sync";
    a.keyId = "key_1";
    a.requesterEmail = "dev@example.com";
    a.flowSnapshot = flowJson(levels);
    a.levelCount = levels;
    a.history.push_back({"d0", a.id, 0, "submit", a.requesterEmail, "token:t", "", kT0});
    return a;
  }
  static engine::Key key(std::vector<std::string> apis, std::vector<std::string> groups = {},
                         std::vector<std::string> scopes = {}) {
    engine::Key k;
    k.id = "key_1";
    k.clientId = "web";
    k.name = "sync";
    k.start = "kw_abcd";
    k.apis = std::move(apis);
    k.groups = std::move(groups);
    k.scopes = std::move(scopes);
    k.createdAt = kT0;
    k.expiresAt = kT0 + 86400000;
    return k;
  }
  // Every mail the outbox holds for `to`, rendered, oldest first.
  std::vector<mail::RenderedMail> rendered(const std::string& to) {
    std::vector<engine::OutboxMail> all;
    store->read([&](engine::Transaction& tx) { all = tx.outbox().list("", to); });
    std::vector<mail::RenderedMail> out;
    for (const auto& m : all) out.push_back(templates->renderMail(m.event, m.context, "kw_x"));
    return out;
  }
  static bool has(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
  }

  void enqueue(const std::string& id, const std::string& event, const std::string& secret = "") {
    engine::OutboxMail m;
    m.id = id;
    m.event = event;
    m.recipient = "dev@example.com";
    m.context =
        R"({"number":"KA-1","keyName":"k","clientName":"Shop","requester":"dev@example.com","comment":"a<b"})";
    if (!secret.empty()) m.sealedSecret = sealer->seal(secret);
    m.nextAttemptAt = clock->nowMs();
    m.createdAt = clock->nowMs();
    m.giveUpAt = clock->nowMs() + 60000;
    store->write([&](engine::Transaction& tx) { tx.outbox().enqueue(m); });
  }
  engine::OutboxMail row(const std::string& id) {
    std::vector<engine::OutboxMail> all;
    store->read([&](engine::Transaction& tx) { all = tx.outbox().list("", ""); });
    for (auto& m : all)
      if (m.id == id) return m;
    CPPUNIT_FAIL("no mail " + id);
    return {};
  }

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

  void eachAcceptedMailIsSentInTheStoreBeforeTheNextGoesOut() {
    for (int i = 0; i < 4; ++i) enqueue("b" + std::to_string(i), "rejected");
    std::vector<int> sentBefore;
    transport.before = [&](size_t) {
      int n = 0;
      for (int i = 0; i < 4; ++i) n += row("b" + std::to_string(i)).status == "SENT";
      sentBefore.push_back(n);
    };
    CPPUNIT_ASSERT_EQUAL(4, sender->drainOnce());
    CPPUNIT_ASSERT_EQUAL(size_t(4), sentBefore.size());
    for (int i = 0; i < 4; ++i) CPPUNIT_ASSERT_EQUAL(i, sentBefore[static_cast<size_t>(i)]);
  }

  // The process dies (here: the transport throws something that is no TransportError) after the
  // server accepted two mails of a batch of five: those two are SENT; the rest go out once.
  void crashAfterTwoOfFiveSendsOnlyTheRestAfterRestart() {
    for (int i = 0; i < 5; ++i)
      enqueue("c" + std::to_string(i), "key-issued", "kw_k" + std::to_string(i));
    transport.before = [](size_t n) {
      if (n == 2) throw std::runtime_error("killed");
    };
    sender->drainOnce();
    int sent = 0;
    for (int i = 0; i < 5; ++i) sent += row("c" + std::to_string(i)).status == "SENT";
    CPPUNIT_ASSERT_EQUAL(2, sent);
    CPPUNIT_ASSERT_EQUAL(size_t(2), transport.sent.size());
    transport.before = nullptr;
    store->write([&](engine::Transaction& tx) { tx.outbox().releaseLeases(""); });
    sender->drainOnce();
    CPPUNIT_ASSERT_EQUAL(size_t(5), transport.sent.size());
    std::set<std::string> keys;
    for (const auto& [to, m] : transport.sent)
      for (int i = 0; i < 5; ++i)
        if (m.text.find("kw_k" + std::to_string(i)) != std::string::npos)
          keys.insert(std::to_string(i));
    CPPUNIT_ASSERT_EQUAL(size_t(5), keys.size());
    for (int i = 0; i < 5; ++i)
      CPPUNIT_ASSERT_EQUAL(std::string("SENT"), row("c" + std::to_string(i)).status);
  }

  // The store (PostgreSQL restarting) fails right after a batch was claimed: nothing went out,
  // and the batch must be back in the queue once the store answers again — not held under this
  // instance's own lease until it runs out (found by make chaos: mails SENDING for 2 minutes
  // after PostgreSQL came back). The sibling: the end-of-batch release failing too.
  void storeFailureAfterTheClaimPutsTheBatchBackNotUnderLease() {
    struct Flaky : engine::Store {
      engine::Store& real;
      std::function<bool(int)> fails;  // by write number, from 1
      int writes = 0;
      explicit Flaky(engine::Store& r) : real(r) {}
      void write(const std::function<void(engine::Transaction&)>& fn) override {
        if (fails && fails(++writes)) throw std::runtime_error("server closed the connection");
        real.write(fn);
      }
      void read(const std::function<void(engine::Transaction&)>& fn) override { real.read(fn); }
      bool ping() override { return real.ping(); }
    };
    for (int i = 0; i < 3; ++i) enqueue("f" + std::to_string(i), "rejected");
    Flaky flaky(*store);
    mail::SenderSettings s;
    mail::OutboxSender onFlaky(flaky, *templates, transport, *sealer, *clock, s);
    flaky.fails = [](int n) { return n >= 2; };  // the claim commits; the subjects do not
    CPPUNIT_ASSERT_THROW(onFlaky.drainOnce(), std::runtime_error);
    CPPUNIT_ASSERT(transport.sent.empty());
    flaky.fails = nullptr;  // the store is back, at the same instant: no lease has run out
    CPPUNIT_ASSERT_EQUAL(3, onFlaky.drainOnce());
    CPPUNIT_ASSERT_EQUAL(size_t(3), transport.sent.size());
    for (int i = 0; i < 3; ++i)
      CPPUNIT_ASSERT_EQUAL(std::string("SENT"), row("f" + std::to_string(i)).status);

    // A temporary SMTP failure ends the batch; the release of the rest fails too.
    for (int i = 0; i < 3; ++i) enqueue("g" + std::to_string(i), "rejected");
    transport.failures = 1;
    int base = flaky.writes;
    // claim, subjects, the failure's record commit; then the release fails
    flaky.fails = [base](int n) { return n == base + 4; };
    onFlaky.drainOnce();
    flaky.fails = nullptr;
    clock->advance(1000);  // the failed one's back-off; the others are due at once
    onFlaky.drainOnce();
    for (int i = 0; i < 3; ++i)
      CPPUNIT_ASSERT_EQUAL(std::string("SENT"), row("g" + std::to_string(i)).status);
  }

  // Killed between the server's 250 and the store's commit: the journal holds the ids, and the
  // next start marks those mails SENT before the leases of the dead run are released.
  void journalledAcceptancesAreRecoveredAsSentNotSentAgain() {
    for (int i = 0; i < 4; ++i)
      enqueue("j" + std::to_string(i), "key-issued", "kw_j" + std::to_string(i));
    std::string path = dir->file("kw.db-mailsent");
    store->write([&](engine::Transaction& tx) { tx.outbox().claim(kT0, kT0 + 60000, 10, "me"); });
    {
      mail::SentJournal journal(path);
      CPPUNIT_ASSERT(journal.append("j0"));
      CPPUNIT_ASSERT(journal.append("j2"));
    }
    {  // a torn last line (the kill came mid-write) is no entry
      std::ofstream torn(path, std::ios::app);
      torn << "j3";
    }
    mail::SenderSettings s;
    s.journalPath = path;
    mail::OutboxSender restarted(*store, *templates, transport, *sealer, *clock, s);
    CPPUNIT_ASSERT_EQUAL(2, restarted.recover());
    CPPUNIT_ASSERT_EQUAL(std::string("SENT"), row("j0").status);
    CPPUNIT_ASSERT(row("j0").sealedSecret.empty());
    CPPUNIT_ASSERT_EQUAL(std::string("SENT"), row("j2").status);
    CPPUNIT_ASSERT(mail::SentJournal(path).read().empty());
    store->write([&](engine::Transaction& tx) { tx.outbox().releaseLeases(""); });
    CPPUNIT_ASSERT_EQUAL(2, restarted.drainOnce());
    CPPUNIT_ASSERT_EQUAL(size_t(2), transport.sent.size());
    CPPUNIT_ASSERT(transport.sent[0].second.text.find("kw_j1") != std::string::npos ||
                   transport.sent[1].second.text.find("kw_j1") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("SENT"), row("j3").status);
    CPPUNIT_ASSERT_EQUAL(std::string("SENT"), row("j1").status);
    // Sent with the journal: the store holds the SENT marks and the journal is empty again.
    CPPUNIT_ASSERT(mail::SentJournal(path).read().empty());
  }

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

 private:
  std::unique_ptr<engine::LinkSigner> links;
  std::unique_ptr<engine::Notices> notices;
  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
  std::unique_ptr<mail::TemplateSet> templates;
  std::unique_ptr<engine::ManualClock> clock;
  std::unique_ptr<engine::SecretBox> sealer;
  FakeTransport transport;
  std::unique_ptr<mail::OutboxSender> sender;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MailTest);
