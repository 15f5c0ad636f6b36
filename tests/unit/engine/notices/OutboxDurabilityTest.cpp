// The outbox across crashes and store failures (fake transport, manual clock, real SQLite
// store): each accepted mail is recorded before the next goes out, a crash resends only the
// rest, the sent journal is recovered, and a store failure puts a claimed batch back.
#include "tests/unit/engine/notices/MailFixture.h"

using namespace keywarden;
using test::kSecret;
using test::kT0;

class OutboxDurabilityTest : public test::MailFixture {
  CPPUNIT_TEST_SUITE(OutboxDurabilityTest);
  CPPUNIT_TEST(eachAcceptedMailIsSentInTheStoreBeforeTheNextGoesOut);
  CPPUNIT_TEST(crashAfterTwoOfFiveSendsOnlyTheRestAfterRestart);
  CPPUNIT_TEST(storeFailureAfterTheClaimPutsTheBatchBackNotUnderLease);
  CPPUNIT_TEST(journalledAcceptancesAreRecoveredAsSentNotSentAgain);
  CPPUNIT_TEST_SUITE_END();

 public:
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
};

CPPUNIT_TEST_SUITE_REGISTRATION(OutboxDurabilityTest);
