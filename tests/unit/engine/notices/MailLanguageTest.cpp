// Mails in the recipient's language: nothing the engine composes (flow rules, timeouts, next
// steps, history lines, durations, amounts, who did what) stays English inside a zh-TW mail,
// and the English mail says what it said before the sentences moved to templates/strings.json.
#include <cppunit/extensions/HelperMacros.h>

#include "engine/crypto/SecretBox.h"
#include "engine/flows/FlowParser.h"
#include "engine/notices/LinkSigner.h"
#include "engine/notices/Notices.h"
#include "mail/TemplateSet.h"
#include "store/SqlStore.h"
#include "tests/support/EnglishFragments.h"
#include "tests/support/TempDir.h"
#include "tests/unit/engine/notices/MailFixture.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;

using test::kSecret;
using test::kT0;

class MailLanguageTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(MailLanguageTest);
  CPPUNIT_TEST(zhTwMailsHoldNoEnglishSentenceTheEngineComposed);
  CPPUNIT_TEST(englishMailsSayWhatTheySaidBefore);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>("kwmaillang");
    store = test::migratedStore(*dir);
    templates =
        std::make_unique<mail::TemplateSet>(std::string(KEYWARDEN_SOURCE_DIR) + "/templates");
    sealer = std::make_unique<engine::SecretBox>(kSecret, "key-delivery");
    links = std::make_unique<engine::LinkSigner>(kSecret, 60000);
    notices = std::make_unique<engine::Notices>(*sealer, *links, "https://kw.example", 60000);
    test::insertShopCatalog(*store, "*", {"orders-list", "gone-api"});
  }

  // Two levels: the first escalates after 2 days, the second needs all of its approvers.
  static engine::Application application(engine::AppKind kind) {
    engine::Flow f;
    f.id = "f1";
    f.name = "Open";
    engine::FlowLevel one;
    one.name = "Team";
    one.approvers = {"lead@example.com"};
    one.timeoutMs = 48 * 3600000LL;
    one.onTimeout = engine::FlowLevel::OnTimeout::Escalate;
    one.escalateTo = {"boss@example.com"};
    engine::FlowLevel two;
    two.name = "Security";
    two.approvers = {"sec@example.com", "ciso@example.com"};
    two.policy = engine::FlowLevel::Policy::All;
    two.timeoutMs = 3600000;
    two.onTimeout = engine::FlowLevel::OnTimeout::Reject;
    f.levels = {one, two};
    engine::Application a;
    a.id = "app_1";
    a.number = "KA-20261130-0001";
    a.kind = kind;
    a.clientId = "web";
    a.keyName = "sync";
    a.keyId = "key_1";
    a.requesterEmail = "dev@example.com";
    a.flowSnapshot = engine::FlowParser::toJson(f);
    a.levelCount = 2;
    a.level = 2;
    a.state = engine::AppState::InReview;
    a.apis = {"orders-list", "gone-api"};
    a.groups = {"reports"};
    a.scopes = {"orders:read"};
    a.quota = 12345;
    a.createdAt = kT0;
    a.changes.refill = engine::RefillChange{50, engine::RefillInterval::Daily};
    a.changes.rateLimit = engine::RateLimitChange{2, 60000};
    a.history.push_back({"d0", a.id, 0, "submit", a.requesterEmail, "token:t", "", kT0});
    a.history.push_back({"d1", a.id, 1, "timeout", "system", "system",
                         "no decision in time; escalated to [\"boss@example.com\"]", kT0 + 1});
    a.history.push_back({"d2", a.id, 1, "approve", "boss@example.com", "x", "fine by me", kT0 + 2});
    return a;
  }
  static engine::Key key() {
    engine::Key k;
    k.id = "key_1";
    k.clientId = "web";
    k.name = "sync";
    k.start = "kw_abcd";
    k.apis = {"orders-list"};
    k.createdAt = kT0;
    k.quota = -1;
    return k;
  }

  // Every kind of mail the engine writes, for several people.
  void writeEveryMail() {
    auto a = application(engine::AppKind::New);
    auto m = application(engine::AppKind::Modify);
    m.requesterEmail = "mod@example.com";
    auto r = application(engine::AppKind::Revoke);
    r.requesterEmail = "rev@example.com";
    engine::Decision timeoutReject{"d3", a.id, 2, "reject", "system", "system", "", kT0 + 3};
    engine::Decision returned{"d4", a.id, 2, "return", "sec@example.com", "x", "why?", kT0 + 4};
    engine::Decision approved{"d5", a.id, 1, "approve", "system", "system", "", kT0 + 5};
    auto rejected = a;
    rejected.state = engine::AppState::Rejected;
    rejected.history.push_back(timeoutReject);
    auto issued = r;
    issued.state = engine::AppState::Issued;
    auto noLevels = application(engine::AppKind::New);
    noLevels.requesterEmail = "nolevels@example.com";
    engine::Flow open;
    open.id = "open";
    open.name = "Open";
    noLevels.flowSnapshot = engine::FlowParser::toJson(open);
    noLevels.levelCount = 0;
    noLevels.level = 0;
    store->write([&](engine::Transaction& tx) {
      for (const auto* x : {&a, &m, &r}) {
        notices->levelEntered(tx, *x, kT0);
        notices->escalated(tx, *x, {"boss2@example.com"}, kT0 + 3 * 86400000LL);
        notices->reminded(tx, *x, {"ciso@example.com"}, kT0);
        notices->levelDecided(tx, *x, approved, {"lead@example.com"}, kT0);
        notices->levelDecided(tx, *x, returned, {"ciso@example.com"}, kT0);
        notices->decided(tx, *x, timeoutReject, kT0);
        notices->decided(tx, *x, returned, kT0);
        notices->withdrawn(tx, *x, {"sec@example.com"}, false, "token:tok_admin", kT0);
        notices->applicationApproved(tx, *x, kT0);
      }
      notices->levelDecided(tx, rejected, timeoutReject, {"ciso@example.com"}, kT0);
      notices->levelDecided(tx, issued, returned, {"ciso@example.com"}, kT0);
      notices->digest(tx, "sec@example.com", {a, m, r}, kT0 + 5 * 3600000LL);
      notices->keyIssued(tx, a, key(), "kw_secret", kT0);
      notices->keyIssued(tx, noLevels, key(), "kw_secret", kT0);
      notices->applicationApproved(tx, noLevels, kT0);
      auto k = key();
      k.expiresAt = kT0 + 86400000;
      notices->keyExpiring(tx, k, kT0);
      notices->keyExpired(tx, k, kT0);
      notices->keyRevoked(tx, k, "", kT0);
      engine::Key fresh = key();
      fresh.id = "key_2";
      notices->keyRotated(tx, k, fresh, kT0);
      notices->signIn(tx, "dev@example.com", "tok", kT0 + 15 * 60000, kT0);
    });
  }

  std::vector<std::pair<std::string, mail::RenderedMail>> renderAll(const std::string& language) {
    std::vector<engine::OutboxMail> all;
    store->read([&](engine::Transaction& tx) { all = tx.outbox().list("", ""); });
    std::vector<std::pair<std::string, mail::RenderedMail>> out;
    for (const auto& m : all)
      out.emplace_back(m.event, templates->renderMail(m.event, m.context, "kw_x", language));
    return out;
  }

  void zhTwMailsHoldNoEnglishSentenceTheEngineComposed() {
    writeEveryMail();
    auto fragments = test::englishFragments(std::string(KEYWARDEN_SOURCE_DIR) + "/templates");
    // And the sentences the engine itself used to write, whatever strings.json holds.
    for (const char* s : {"no one decided within",
                          "so the flow approved it",
                          "it goes on to",
                          "the flow escalates it to",
                          "every one of them must approve",
                          "(level 2 of 2)",
                          "no longer registered",
                          "restricted: it may call only",
                          "the APIs listed",
                          "refill 50 a day",
                          "rate limit 2 per",
                          "and the flow rejects on timeout",
                          "an administrator (",
                          "(no reason given)",
                          "It now waits for",
                          "Review is complete",
                          "The application is rejected",
                          "15 minutes",
                          "any method",
                          "returned for changes",
                          "approved at once by the flow",
                          "why it is needed"})
      fragments.insert(s);
    size_t mails = 0;
    for (const auto& [event, m] : renderAll("zh-TW")) {
      ++mails;
      for (const auto& part : {m.subject, m.text, m.html})
        for (const auto& f : fragments)
          CPPUNIT_ASSERT_MESSAGE(event + ": English \"" + f + "\" in:\n" + part,
                                 part.find(f) == std::string::npos);
    }
    CPPUNIT_ASSERT(mails >= 30);
  }

  void englishMailsSayWhatTheySaidBefore() {
    writeEveryMail();
    std::string all;
    for (const auto& [event, m] : renderAll("en")) all += m.text + "\n";
    for (const char* s :
         {"no one decided within 2d at Team (level 1 of 2), so the flow approved it on",
          "every one of them must approve",
          "1h, the flow rejects the application",
          "the key is issued and mailed to dev@example.com",
          "List orders (any method /orders/*)",
          "gone-api (no longer registered)",
          "Reports: List orders (any method /orders/*), gone-api (no longer registered)",
          "restricted: it may call only the APIs listed",
          "restricted: it may call only the APIs listed, the APIs of the groups listed and the "
          "registered APIs whose scopes it holds",
          "refill 50 a day, rate limit 2 per 1m",
          "12345 calls",
          "no one decided within 1h at Security (level 2 of 2), and the flow rejects on timeout",
          "an administrator (token:tok_admin)",
          "(no reason given)",
          "It now waits for Security (level 2 of 2): sec@example.com, ciso@example.com.",
          "The application is rejected and closed.",
          "Review is complete: the key is revoked.",
          "approved at once by the flow Open (open), which has no approval levels",
          "15 minutes",
          "2d"})
      CPPUNIT_ASSERT_MESSAGE(std::string(s) + " not in:\n" + all, all.find(s) != std::string::npos);
  }

 private:
  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
  std::unique_ptr<mail::TemplateSet> templates;
  std::unique_ptr<engine::SecretBox> sealer;
  std::unique_ptr<engine::LinkSigner> links;
  std::unique_ptr<engine::Notices> notices;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MailLanguageTest);
