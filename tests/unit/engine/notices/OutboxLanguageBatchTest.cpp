// The recipients' languages are read once per claimed batch (OutboxSender::setLanguagesOf), not
// once per mail, and each mail still goes out in its own recipient's language; the store port's
// PortalRepository::languagesOf answers for several people at once.
#include "engine/portal/PortalRepository.h"
#include "tests/unit/engine/notices/MailFixture.h"

using namespace keywarden;
using test::kT0;

class OutboxLanguageBatchTest : public test::MailFixture {
  CPPUNIT_TEST_SUITE(OutboxLanguageBatchTest);
  CPPUNIT_TEST(oneLanguageLookupPerBatchAndEachMailInItsRecipientsLanguage);
  CPPUNIT_TEST(languagesOfAnswersEveryEmailOnceAndEmptyForNoChoice);
  CPPUNIT_TEST(aFailingLookupPutsTheBatchBackUntried);
  CPPUNIT_TEST_SUITE_END();

 public:
  static constexpr const char* kContext = R"({"number":"KA-1","keyName":"k","clientName":"Shop"})";

  void send(const std::string& id, const std::string& to) {
    engine::OutboxMail m;
    m.id = id;
    m.event = "rejected";
    m.recipient = to;
    m.context = kContext;
    m.nextAttemptAt = clock->nowMs();
    m.createdAt = clock->nowMs();
    m.giveUpAt = clock->nowMs() + 60000;
    store->write([&](engine::Transaction& tx) { tx.outbox().enqueue(m); });
  }

  void oneLanguageLookupPerBatchAndEachMailInItsRecipientsLanguage() {
    store->write(
        [&](engine::Transaction& tx) { tx.portal().setLanguage("zh@example.com", "zh-TW", kT0); });
    for (int i = 0; i < 5; ++i)
      send("m" + std::to_string(i), i % 2 ? "zh@example.com" : "dev@example.com");
    std::vector<std::vector<std::string>> asked;
    sender->setLanguagesOf([&](const std::vector<std::string>& emails) {
      asked.push_back(emails);
      std::map<std::string, std::string> out;
      store->read([&](engine::Transaction& tx) { out = tx.portal().languagesOf(emails); });
      return out;
    });
    CPPUNIT_ASSERT_EQUAL(5, sender->drainOnce());
    CPPUNIT_ASSERT_EQUAL(size_t(1), asked.size());
    CPPUNIT_ASSERT_EQUAL(size_t(5), asked[0].size());
    const std::string zh = templates->renderMail("rejected", kContext, "", "zh-TW").subject;
    const std::string en = templates->renderMail("rejected", kContext).subject;
    CPPUNIT_ASSERT(zh != en);
    CPPUNIT_ASSERT_EQUAL(size_t(5), transport.sent.size());
    for (const auto& [to, mail] : transport.sent)
      CPPUNIT_ASSERT_EQUAL(to == "zh@example.com" ? zh : en, mail.subject);
  }

  void languagesOfAnswersEveryEmailOnceAndEmptyForNoChoice() {
    store->write([&](engine::Transaction& tx) {
      tx.portal().setLanguage("zh@example.com", "zh-TW", kT0);
      tx.portal().setLanguage("en@example.com", "en", kT0);
    });
    std::map<std::string, std::string> got;
    store->read([&](engine::Transaction& tx) {
      got = tx.portal().languagesOf(
          {"zh@example.com", "nobody@example.com", "zh@example.com", "en@example.com"});
    });
    std::map<std::string, std::string> want = {
        {"en@example.com", "en"}, {"nobody@example.com", ""}, {"zh@example.com", "zh-TW"}};
    CPPUNIT_ASSERT(want == got);
  }

  void aFailingLookupPutsTheBatchBackUntried() {
    for (int i = 0; i < 3; ++i) send("f" + std::to_string(i), "dev@example.com");
    bool fail = true;
    sender->setLanguagesOf([&](const std::vector<std::string>& emails) {
      if (fail) throw std::runtime_error("database is locked");
      return std::map<std::string, std::string>{{emails.at(0), ""}};
    });
    CPPUNIT_ASSERT_THROW(sender->drainOnce(), std::runtime_error);
    CPPUNIT_ASSERT(transport.sent.empty());
    for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT_EQUAL(0, row("f" + std::to_string(i)).attempts);
    fail = false;  // same instant: only a put-back batch is due again now
    CPPUNIT_ASSERT_EQUAL(3, sender->drainOnce());
    CPPUNIT_ASSERT_EQUAL(size_t(3), transport.sent.size());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(OutboxLanguageBatchTest);
