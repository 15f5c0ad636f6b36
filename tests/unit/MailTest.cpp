// The mail module with a fake transport and a manual clock, on a real SQLite store.
#include <cppunit/extensions/HelperMacros.h>

#include <fstream>
#include <functional>
#include <set>
#include "engine/Base64Url.h"
#include "engine/LinkSigner.h"
#include "engine/ManualClock.h"
#include "engine/SecretBox.h"

#include "mail/OutboxSender.h"
#include "mail/SentJournal.h"
#include "mail/TemplateSet.h"
#include "store/SqlStore.h"
#include "tests/support/TempDir.h"

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
  CPPUNIT_TEST(eachAcceptedMailIsSentInTheStoreBeforeTheNextGoesOut);
  CPPUNIT_TEST(crashAfterTwoOfFiveSendsOnlyTheRestAfterRestart);
  CPPUNIT_TEST(journalledAcceptancesAreRecoveredAsSentNotSentAgain);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>("kwmail");
    store::DbSettings db;
    db.connection = dir->file("kw.db");
    db.synchronous = "NORMAL";
    store = std::make_unique<store::SqlStore>(db);
    store->migrate();
    templates =
        std::make_unique<mail::TemplateSet>(std::string(KEYWARDEN_SOURCE_DIR) + "/templates");
    clock = std::make_unique<engine::ManualClock>(kT0);
    sealer = std::make_unique<engine::SecretBox>(kSecret, "key-delivery");
    mail::SenderSettings s;
    s.retryBaseMs = 1000;
    s.retryMaxMs = 4000;
    sender =
        std::make_unique<mail::OutboxSender>(*store, *templates, transport, *sealer, *clock, s);
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

 private:
  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
  std::unique_ptr<mail::TemplateSet> templates;
  std::unique_ptr<engine::ManualClock> clock;
  std::unique_ptr<engine::SecretBox> sealer;
  FakeTransport transport;
  std::unique_ptr<mail::OutboxSender> sender;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MailTest);
