#include <chrono>
#include <ctime>
#include <vector>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

namespace {
// `default` carries modify applications out at once (no levels).
const char* kDefaultFlow = R"({"id":"default","priority":0,"match":{},"levels":[]})";

std::string inMs(int64_t ms) {
  auto t = std::chrono::system_clock::now() + std::chrono::milliseconds(ms);
  time_t s = std::chrono::system_clock::to_time_t(t);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&s));
  return buf;
}
}  // namespace

// A modify application changes every limit of an issued key (issue 10 §3 "A changed limit
// applies on the next check, everywhere"): refill, rateLimit and effectiveAt as well as quota,
// dates and grants. Each applies to the key's next check once the application is carried out,
// shows in GET /v1/keys/{id} and in the application, and is validated as POST /v1/keys
// validates it, errors naming `changes.<path>` and changing nothing.
class ModifyLimitsTest : public Fixture {
  CPPUNIT_TEST_SUITE(ModifyLimitsTest);
  CPPUNIT_TEST(rateLimitLoweredAppliesToTheNextCallInTheSameWindow);
  CPPUNIT_TEST(rateLimitRemovedByNullStopsRateLimiting);
  CPPUNIT_TEST(rateLimitAddedToAKeyWithoutOneLimitsTheNextCall);
  CPPUNIT_TEST(refillAddedChangedAndRemovedShowInTheKeyAndKeepTheCount);
  CPPUNIT_TEST(refillOnAnUnlimitedKeyIsRefusedNamingChangesRefill);
  CPPUNIT_TEST(effectiveAtMovedLaterKeepsAScheduledKeyNotYetActive);
  CPPUNIT_TEST(effectiveAtMovedToNowActivatesAScheduledKey);
  CPPUNIT_TEST(effectiveAtOfAnActiveKeyIsRefusedWith409);
  CPPUNIT_TEST(badLimitValuesNameTheFieldAndChangeNothing);
  CPPUNIT_TEST(theApplicationShowsTheNewLimits);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    flowsDir = std::make_unique<TempDir>("kwflows");
    writeFile(flowsDir->file("default.json"), kDefaultFlow);
    return {{"workflows.dir", flowsDir->path()}};
  }

  void setUp() override {
    Fixture::setUp();
    admin("POST", "/v1/clients",
          R"({"id":"web","name":"Web","clientType":"web","contactEmail":"req@example.com"})");
    requester = token("--role requester --email req@example.com");
  }

  std::pair<std::string, std::string> key(const std::string& fields) {
    HttpResponse r =
        admin("POST", "/v1/keys",
              R"({"clientId":"web","name":"k")" + (fields.empty() ? "" : "," + fields) + "}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    return {r.json()->getValue<std::string>("id"), r.json()->getValue<std::string>("key")};
  }
  HttpResponse submit(const std::string& id, const std::string& changes) {
    return as(
        requester, "POST", "/v1/applications",
        R"({"kind":"modify","clientId":"web","keyId":")" + id + R"(","changes":)" + changes + "}");
  }
  // Submits a modify application, asserts it was carried out at once; returns it.
  Poco::JSON::Object::Ptr modified(const std::string& id, const std::string& changes) {
    HttpResponse r = submit(id, changes);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, std::string("ISSUED"),
                                 r.json()->getValue<std::string>("state"));
    return r.json();
  }
  Poco::JSON::Object::Ptr get(const std::string& id) {
    HttpResponse r = admin("GET", "/v1/keys/" + id);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    return r.json();
  }
  size_t applications() {
    HttpResponse r = admin("GET", "/v1/applications");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    return r.json()->getArray("applications")->size();
  }

  // 100 calls a minute cut to 2 after one call: the second call of the window is the last.
  void rateLimitLoweredAppliesToTheNextCallInTheSameWindow() {
    auto idPlainPair = key(R"("rateLimit":{"limit":100,"window":"1m"})");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    modified(id, R"({"rateLimit":{"limit":2,"window":"1m"}})");
    auto rl = get(id)->getObject("rateLimit");
    CPPUNIT_ASSERT(rl);
    CPPUNIT_ASSERT_EQUAL(int64_t(2), rl->getValue<int64_t>("limit"));
    CPPUNIT_ASSERT_EQUAL(std::string("1m"), rl->getValue<std::string>("window"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    CPPUNIT_ASSERT_EQUAL(std::string("RATE_LIMITED"), verify(plain));
    CPPUNIT_ASSERT_EQUAL(std::string("RATE_LIMITED"), verify(plain));
  }

  void rateLimitRemovedByNullStopsRateLimiting() {
    auto idPlainPair = key(R"("rateLimit":{"limit":1,"window":"1h"})");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    CPPUNIT_ASSERT_EQUAL(std::string("RATE_LIMITED"), verify(plain));
    modified(id, R"({"rateLimit":null})");
    CPPUNIT_ASSERT(get(id)->isNull("rateLimit"));
    for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
  }

  void rateLimitAddedToAKeyWithoutOneLimitsTheNextCall() {
    auto idPlainPair = key("");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    modified(id, R"({"rateLimit":{"limit":1,"window":"1h"}})");
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    CPPUNIT_ASSERT_EQUAL(std::string("RATE_LIMITED"), verify(plain));
  }

  // The server runs on the real clock, so this pins what GET shows and that the count goes on
  // (units this instance had leased are handed back, none lost); the unit tests cover refills
  // falling due.
  void refillAddedChangedAndRemovedShowInTheKeyAndKeepTheCount() {
    auto idPlainPair = key(R"("quota":100)");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    modified(id, R"({"refill":{"amount":50,"interval":"daily"}})");
    auto k = get(id);
    auto refill = k->getObject("refill");
    CPPUNIT_ASSERT(refill);
    CPPUNIT_ASSERT_EQUAL(int64_t(50), refill->getValue<int64_t>("amount"));
    CPPUNIT_ASSERT_EQUAL(std::string("daily"), refill->getValue<std::string>("interval"));
    CPPUNIT_ASSERT_EQUAL(int64_t(99), k->getValue<int64_t>("remaining"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    CPPUNIT_ASSERT_EQUAL(int64_t(98), get(id)->getValue<int64_t>("remaining"));

    modified(id, R"({"refill":{"amount":80,"interval":"monthly"}})");
    k = get(id);
    refill = k->getObject("refill");
    CPPUNIT_ASSERT(refill);
    CPPUNIT_ASSERT_EQUAL(int64_t(80), refill->getValue<int64_t>("amount"));
    CPPUNIT_ASSERT_EQUAL(std::string("monthly"), refill->getValue<std::string>("interval"));
    CPPUNIT_ASSERT_EQUAL(int64_t(98), k->getValue<int64_t>("remaining"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    CPPUNIT_ASSERT_EQUAL(int64_t(97), get(id)->getValue<int64_t>("remaining"));

    modified(id, R"({"refill":null})");
    k = get(id);
    CPPUNIT_ASSERT(k->isNull("refill"));
    CPPUNIT_ASSERT_EQUAL(int64_t(97), k->getValue<int64_t>("remaining"));
    // Without a refill the key may become unlimited again.
    modified(id, R"({"quota":-1})");
    CPPUNIT_ASSERT_EQUAL(int64_t(-1), get(id)->getValue<int64_t>("remaining"));

    // A cut of the refill and of the quota in one application.
    auto id2Plain2Pair = key(R"("quota":100,"refill":{"amount":100,"interval":"daily"})");
    [[maybe_unused]] auto& id2 = id2Plain2Pair.first;
    [[maybe_unused]] auto& plain2 = id2Plain2Pair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain2));
    modified(id2, R"({"quota":3,"refill":{"amount":3,"interval":"daily"}})");
    CPPUNIT_ASSERT_EQUAL(int64_t(2), get(id2)->getValue<int64_t>("remaining"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain2));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain2));
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), verify(plain2));
  }

  void refillOnAnUnlimitedKeyIsRefusedNamingChangesRefill() {
    auto idPlainPair = key("");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    HttpResponse r = submit(id, R"({"refill":{"amount":5,"interval":"daily"}})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 400, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("changes.refill"),
                         r.json()->getObject("error")->getValue<std::string>("field"));
    CPPUNIT_ASSERT(get(id)->isNull("refill"));
    // With a quota in the same application it is accepted.
    modified(id, R"({"quota":10,"refill":{"amount":5,"interval":"daily"}})");
    CPPUNIT_ASSERT_EQUAL(int64_t(10), get(id)->getValue<int64_t>("remaining"));
  }

  void effectiveAtMovedLaterKeepsAScheduledKeyNotYetActive() {
    auto idPlainPair = key(R"("effectiveAt":")" + inMs(3'600'000) + "\"");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("NOT_YET_ACTIVE"), verify(plain));
    std::string later = inMs(7'200'000);
    modified(id, R"({"effectiveAt":")" + later + "\"}");
    auto k = get(id);
    CPPUNIT_ASSERT_EQUAL(later, k->getValue<std::string>("effectiveAt"));
    CPPUNIT_ASSERT_EQUAL(std::string("SCHEDULED"), k->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("NOT_YET_ACTIVE"), verify(plain));
  }

  void effectiveAtMovedToNowActivatesAScheduledKey() {
    auto idPlainPair = key(R"("effectiveAt":")" + inMs(3'600'000) + "\"");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("NOT_YET_ACTIVE"), verify(plain));
    modified(id, R"({"effectiveAt":null})");
    CPPUNIT_ASSERT_EQUAL(std::string("ACTIVE"), get(id)->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
  }

  // Moving the start of a key that already serves would make it SCHEDULED again: refused.
  void effectiveAtOfAnActiveKeyIsRefusedWith409() {
    auto idPlainPair = key("");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    size_t before = applications();
    HttpResponse r = submit(id, R"({"effectiveAt":")" + inMs(3'600'000) + "\"}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 409, r.status);
    auto e = r.json()->getObject("error");
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_STATE"), e->getValue<std::string>("code"));
    CPPUNIT_ASSERT_EQUAL(std::string("changes.effectiveAt"), e->getValue<std::string>("field"));
    CPPUNIT_ASSERT_EQUAL(before, applications());
    CPPUNIT_ASSERT_EQUAL(std::string("ACTIVE"), get(id)->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
  }

  void badLimitValuesNameTheFieldAndChangeNothing() {
    auto idPlainPair =
        key(R"("quota":10,"expiresAt":")" + inMs(86'400'000) +
            R"(","refill":{"amount":10,"interval":"daily"},"rateLimit":{"limit":5,"window":"1m"})");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    auto sidSplainPair =
        key(R"("effectiveAt":")" + inMs(3'600'000) + R"(","expiresAt":")" + inMs(7'200'000) + "\"");
    [[maybe_unused]] auto& sid = sidSplainPair.first;
    [[maybe_unused]] auto& splain = sidSplainPair.second;
    const std::vector<std::pair<std::string, std::string>> bad = {
        {R"({"rateLimit":{"limit":0,"window":"1s"}})", "changes.rateLimit.limit"},
        {R"({"rateLimit":{"limit":-1,"window":"1s"}})", "changes.rateLimit.limit"},
        {R"({"rateLimit":{"limit":1000000001,"window":"1s"}})", "changes.rateLimit.limit"},
        {R"({"rateLimit":{"limit":1.5,"window":"1s"}})", "changes.rateLimit.limit"},
        {R"({"rateLimit":{"limit":"2","window":"1s"}})", "changes.rateLimit.limit"},
        {R"({"rateLimit":{"limit":18446744073709551617,"window":"1s"}})",
         "changes.rateLimit.limit"},
        {R"({"rateLimit":{"window":"1s"}})", "changes.rateLimit.limit"},
        {R"({"rateLimit":{"limit":2}})", "changes.rateLimit.window"},
        {R"({"rateLimit":{"limit":2,"window":"0s"}})", "changes.rateLimit.window"},
        {R"({"rateLimit":{"limit":2,"window":"soon"}})", "changes.rateLimit.window"},
        {R"({"rateLimit":{"limit":2,"window":"1s","burst":3}})", "changes.rateLimit.burst"},
        {R"({"rateLimit":5})", "changes.rateLimit"},
        {R"({"rateLimit":[]})", "changes.rateLimit"},
        {R"({"refill":{"amount":0,"interval":"daily"}})", "changes.refill.amount"},
        {R"({"refill":{"amount":-3,"interval":"daily"}})", "changes.refill.amount"},
        {R"({"refill":{"amount":1e3,"interval":"daily"}})", "changes.refill.amount"},
        {R"({"refill":{"amount":18446744073709551617,"interval":"daily"}})",
         "changes.refill.amount"},
        {R"({"refill":{"interval":"daily"}})", "changes.refill.amount"},
        {R"({"refill":{"amount":5,"interval":"weekly"}})", "changes.refill.interval"},
        {R"({"refill":{"amount":5}})", "changes.refill.interval"},
        {R"({"refill":{"amount":5,"interval":"daily","at":1}})", "changes.refill.at"},
        {R"({"refill":"daily"})", "changes.refill"},
        {R"({"effectiveAt":"2026-13-01T00:00:00Z"})", "changes.effectiveAt"},
        {R"({"effectiveAt":5})", "changes.effectiveAt"},
        {R"({"quota":-1})", "changes.refill"},  // a refill needs a quota
        {R"({"rateLimit":{"limit":1,"window":"1s"},"limit":1})", "changes.limit"},
    };
    size_t before = applications();
    for (const auto& [changes, field] : bad) {
      HttpResponse r = submit(id, changes);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(changes + " -> " + r.body, 400, r.status);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(changes + " -> " + r.body, field,
                                   r.json()->getObject("error")->getValue<std::string>("field"));
    }
    // effectiveAt of a scheduled key at or after its expiry.
    HttpResponse r = submit(sid, R"({"effectiveAt":")" + inMs(10'800'000) + "\"}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 400, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("changes.effectiveAt"),
                         r.json()->getObject("error")->getValue<std::string>("field"));
    CPPUNIT_ASSERT_EQUAL(before, applications());
    auto k = get(id);
    CPPUNIT_ASSERT_EQUAL(int64_t(10), k->getValue<int64_t>("quota"));
    CPPUNIT_ASSERT_EQUAL(int64_t(10), k->getObject("refill")->getValue<int64_t>("amount"));
    CPPUNIT_ASSERT_EQUAL(std::string("daily"),
                         k->getObject("refill")->getValue<std::string>("interval"));
    CPPUNIT_ASSERT_EQUAL(int64_t(5), k->getObject("rateLimit")->getValue<int64_t>("limit"));
    CPPUNIT_ASSERT_EQUAL(std::string("1m"),
                         k->getObject("rateLimit")->getValue<std::string>("window"));
    CPPUNIT_ASSERT_EQUAL(std::string("SCHEDULED"), get(sid)->getValue<std::string>("state"));
  }

  void theApplicationShowsTheNewLimits() {
    auto idPlainPair = key(R"("quota":10,"rateLimit":{"limit":5,"window":"1m"})");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    auto a = modified(id, R"({"refill":{"amount":7,"interval":"monthly"},"rateLimit":null})");
    HttpResponse r = admin("GET", "/v1/applications/" + a->getValue<std::string>("id"));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    auto changes = r.json()->getObject("changes");
    CPPUNIT_ASSERT(changes);
    CPPUNIT_ASSERT_EQUAL(int64_t(7), changes->getObject("refill")->getValue<int64_t>("amount"));
    CPPUNIT_ASSERT_EQUAL(std::string("monthly"),
                         changes->getObject("refill")->getValue<std::string>("interval"));
    CPPUNIT_ASSERT(changes->has("rateLimit"));
    CPPUNIT_ASSERT(changes->isNull("rateLimit"));
    CPPUNIT_ASSERT(!changes->has("quota"));

    auto b = modified(id, R"({"rateLimit":{"limit":3,"window":"90s"}})");
    auto rl = b->getObject("changes")->getObject("rateLimit");
    CPPUNIT_ASSERT(rl);
    CPPUNIT_ASSERT_EQUAL(int64_t(3), rl->getValue<int64_t>("limit"));
    CPPUNIT_ASSERT_EQUAL(get(id)->getObject("rateLimit")->getValue<std::string>("window"),
                         rl->getValue<std::string>("window"));
  }

  std::unique_ptr<TempDir> flowsDir;
  std::string requester;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ModifyLimitsTest);

// Routing judges the key as the changes leave it: a refill serves its amount every period, so a
// flow for large quotas (match.minQuota) takes a small quota with a large refill.
class ModifyLimitsRoutingTest : public ModifyLimitsTest {
  CPPUNIT_TEST_SUITE(ModifyLimitsRoutingTest);
  CPPUNIT_TEST(aLargeRefillIsRoutedAsALargeQuota);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    auto s = ModifyLimitsTest::settings();
    writeFile(flowsDir->file("large.json"),
              R"({"id":"large","priority":20,"match":{"minQuota":1000},
                  "levels":[{"name":"Lead","approvers":["lead@example.com"],"policy":"any"}]})");
    return s;
  }

  void aLargeRefillIsRoutedAsALargeQuota() {
    auto idPlainPair = key(R"("quota":10)");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    HttpResponse r = submit(id, R"({"refill":{"amount":5000,"interval":"daily"}})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("large"), r.json()->getValue<std::string>("flow"));
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"), r.json()->getValue<std::string>("state"));
    CPPUNIT_ASSERT(get(id)->isNull("refill"));  // nothing changes before approval
    // A small refill stays in the default flow and applies at once.
    auto a = modified(id, R"({"refill":{"amount":20,"interval":"daily"}})");
    CPPUNIT_ASSERT_EQUAL(std::string("default"), a->getValue<std::string>("flow"));
    // Approving the large one applies it.
    HttpResponse d =
        admin("POST", "/v1/applications/" + r.json()->getValue<std::string>("id") + "/decisions",
              R"({"decision":"approve","approver":"lead@example.com"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(d.body, std::string("ISSUED"),
                                 d.json()->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(int64_t(5000), get(id)->getObject("refill")->getValue<int64_t>("amount"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ModifyLimitsRoutingTest);
