#include <atomic>
#include <chrono>
#include <thread>

#include "tests/integration/ClusterFixture.h"
#include "tests/support/PostgresServer.h"

using namespace keywarden::test;

// Quota and limits across several instances on one PostgreSQL database: leased units never
// over-serve, and a change of quota, scopes, rate limit or a rotation made on one instance
// applies on the others within a poll. The fixture: ClusterFixture.h.
class ClusterQuotaTest : public ClusterFixture {
  CPPUNIT_TEST_SUITE(ClusterQuotaTest);
  CPPUNIT_TEST(quotaHammeredFromThreeInstancesEndsExactlyAtItsLimit);
  CPPUNIT_TEST(quotaCutOnOneInstanceAppliesToUnitsLeasedByTheOthers);
  CPPUNIT_TEST(quotaRaisedAndScopesNarrowedOnOneApplyOnTheOthersWithinAPoll);
  CPPUNIT_TEST(rotationWhileCheckedOnTwoInstancesMovesTheWholeQuota);
  CPPUNIT_TEST(quotaTurnedUnlimitedAndBackOnOneRestartsTheCountOnTheOthers);
  CPPUNIT_TEST(rateLimitLoweredOnOneAppliesOnTheOtherWithinAPoll);
  CPPUNIT_TEST_SUITE_END();

 public:
  void quotaHammeredFromThreeInstancesEndsExactlyAtItsLimit() {
    startOthers(2);
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"hammered","quota":250})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    waitKnownEverywhere(key);
    std::atomic<int> ok{0}, spent{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t)
      threads.emplace_back([&, t] {
        for (int n = 0; n < 70; ++n) {
          int status = gate(static_cast<size_t>((t + n) % 3), key);
          (status == 200 ? ok : status == 403 ? spent : other)++;
        }
      });
    for (auto& th : threads) th.join();
    CPPUNIT_ASSERT_EQUAL(0, other.load());
    CPPUNIT_ASSERT_EQUAL(250, ok.load());  // never over-served, and nothing lost on the way
    CPPUNIT_ASSERT_EQUAL(420 - 250, spent.load());
    // Stopping hands back every unspent leased unit: the store ends exactly at zero.
    for (auto& o : others) CPPUNIT_ASSERT_EQUAL(0, o->stop());
    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    CPPUNIT_ASSERT_EQUAL(std::string("0"),
                         server->sql("SELECT remaining FROM api_keys WHERE id = '" + id + "'"));
  }

  // The field report on two instances: both hold leased units when the quota is cut from 1000
  // to 10 on instance 0. Within a poll interval both stop serving them, every instance's GET
  // shows the exact count, and exactly what is left is served across both.
  void quotaCutOnOneInstanceAppliesToUnitsLeasedByTheOthers() {
    startOthers(1);
    auto idKeyPair = heldKeyEverywhere(R"("quota":1000,"scopes":["orders:read"])");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), codeOn(0, key));  // 9 leased on instance 0
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), codeOn(1, key));  // 9 leased on instance 1
    modifyApproved(id, R"({"quota":10})");
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), codeOn(0, key));  // not its 9 units
    // Within a poll (and the recheck) both instances show the exact count.
    CPPUNIT_ASSERT(eventually([&] { return remainingOn(0, id) == 8 && remainingOn(1, id) == 8; }));
    for (size_t i : {0, 1}) {
      HttpResponse k = on(i, "GET", "/v1/keys/" + id);
      CPPUNIT_ASSERT_EQUAL(int64_t(10), k.json()->getValue<int64_t>("quota"));
      CPPUNIT_ASSERT_EQUAL_MESSAGE("instance " + std::to_string(i), int64_t(8),
                                   k.json()->getValue<int64_t>("remaining"));
    }
    int valid = 0, refused = 0;
    for (int n = 0; n < 40; ++n) {
      std::string code = codeOn(static_cast<size_t>(n % 2), key);
      if (code == "VALID")
        ++valid;
      else if (code == "USAGE_EXCEEDED")
        ++refused;
    }
    CPPUNIT_ASSERT_EQUAL(8, valid);
    CPPUNIT_ASSERT_EQUAL(32, refused);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), remainingOn(1, id));
  }

  // A modify application approved on instance 0 cuts a rate limit of 100 a minute to 2: within a
  // poll interval instance 1 refuses, counting the calls it already admitted in the window.
  void rateLimitLoweredOnOneAppliesOnTheOtherWithinAPoll() {
    startOthers(1);
    auto idKeyPair =
        heldKeyEverywhere(R"("scopes":["orders:read"],"rateLimit":{"limit":100,"window":"1h"})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT_EQUAL(std::string("VALID"), codeOn(1, key));
    int64_t t0 = nowMs();
    modifyApproved(id, R"({"rateLimit":{"limit":2,"window":"1h"}})");
    while (codeOn(1, key, R"(,"cost":0)") != "RATE_LIMITED" && nowMs() - t0 < 5000)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CPPUNIT_ASSERT_MESSAGE("instance 1 took " + std::to_string(nowMs() - t0) + " ms",
                           nowMs() - t0 <= 1000);
    CPPUNIT_ASSERT_EQUAL(std::string("RATE_LIMITED"), codeOn(1, key));
    HttpResponse k = on(1, "GET", "/v1/keys/" + id);
    CPPUNIT_ASSERT_EQUAL(int64_t(2), k.json()->getObject("rateLimit")->getValue<int64_t>("limit"));
    // Removed on instance 0: instance 1 admits again within a poll.
    t0 = nowMs();
    modifyApproved(id, R"({"rateLimit":null})");
    while (codeOn(1, key) != "VALID" && nowMs() - t0 < 5000)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CPPUNIT_ASSERT_MESSAGE("instance 1 took " + std::to_string(nowMs() - t0) + " ms",
                           nowMs() - t0 <= 1000);
  }

  void quotaRaisedAndScopesNarrowedOnOneApplyOnTheOthersWithinAPoll() {
    startOthers(1);
    auto idKeyPair = heldKeyEverywhere(R"("quota":3,"scopes":["orders:read","orders:write"])");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT_EQUAL(std::string("VALID"), codeOn(1, key));
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), codeOn(1, key));
    int64_t t0 = nowMs();
    modifyApproved(id, R"({"quota":8,"scopes":["orders:read"]})");
    const std::string write = R"(,"scopes":["orders:write"])";
    while (codeOn(1, key, write) != "FORBIDDEN" && nowMs() - t0 < 5000)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CPPUNIT_ASSERT_MESSAGE("instance 1 took " + std::to_string(nowMs() - t0) + " ms",
                           nowMs() - t0 <= 1000);
    CPPUNIT_ASSERT_EQUAL(int64_t(5), remainingOn(1, id));
    int valid = 0;
    for (int n = 0; n < 12; ++n) valid += codeOn(1, key) == "VALID" ? 1 : 0;
    CPPUNIT_ASSERT_EQUAL(5, valid);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), remainingOn(0, id));
  }

  // Rotation on instance 0 while threads check the old key, and then old and new, on both
  // instances: over the whole run exactly the quota is served, round after round, and after
  // a graceful stop the rows of old and new keys hold nothing between them.
  void rotationWhileCheckedOnTwoInstancesMovesTheWholeQuota() {
    startOthers(1);
    std::vector<std::pair<std::string, std::string>> rows;
    for (int round = 0; round < 3; ++round) {
      const int quota = 150 + 31 * round;
      auto oldIdOldKeyPair =
          newKey(R"({"clientId":"c1","name":"r","quota":)" + std::to_string(quota) + "}");
      [[maybe_unused]] auto& oldId = oldIdOldKeyPair.first;
      [[maybe_unused]] auto& oldKey = oldIdOldKeyPair.second;
      waitKnownEverywhere(oldKey);
      std::atomic<int> valid{0}, other{0};
      std::atomic<bool> newReady{false};
      std::string freshKey;
      std::vector<std::thread> threads;
      for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
          bool oldDone = false, newDone = false;
          for (int n = 0; n < 6 * quota && !(oldDone && newDone); ++n) {
            bool useNew = newReady.load() && !newDone && (oldDone || (t + n) % 2 == 1);
            if (!useNew && oldDone) {
              std::this_thread::sleep_for(std::chrono::milliseconds(2));
              continue;
            }
            std::string code = codeOn(static_cast<size_t>(t % 2), useNew ? freshKey : oldKey);
            if (code == "VALID")
              ++valid;
            else if (code == "USAGE_EXCEEDED")
              (useNew ? newDone : oldDone) = newReady.load();
            else if (!(useNew && code == "NOT_FOUND"))  // the new key reaches instance 1 later
              ++other;
          }
        });
      while (valid.load() < 30) std::this_thread::yield();
      HttpResponse r = on(0, "POST", "/v1/keys/" + oldId + "/rotate", R"({"graceSeconds":300})");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
      freshKey = r.json()->getValue<std::string>("key");
      newReady = true;
      for (auto& th : threads) th.join();
      CPPUNIT_ASSERT_EQUAL(0, other.load());
      CPPUNIT_ASSERT_EQUAL_MESSAGE("round " + std::to_string(round), quota, valid.load());
      rows.emplace_back(oldId, r.json()->getValue<std::string>("id"));
    }
    for (auto& o : others) CPPUNIT_ASSERT_EQUAL(0, o->stop());
    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    for (const auto& [oldId, newId] : rows)
      CPPUNIT_ASSERT_EQUAL(std::string("0"),
                           server->sql("SELECT SUM(remaining) FROM api_keys WHERE id IN ('" +
                                       oldId + "', '" + newId + "')"));
  }

  // Limited -> unlimited -> limited again faster than a poll: instance 1 never sees the key
  // unlimited, and the units it leased under the first count are dropped, not served.
  void quotaTurnedUnlimitedAndBackOnOneRestartsTheCountOnTheOthers() {
    startOthers(1);
    auto idKeyPair = heldKeyEverywhere(R"("quota":100,"scopes":["orders:read"])");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), codeOn(1, key));  // 9 leased on instance 1
    modifyApproved(id, R"({"quota":-1})");
    modifyApproved(id, R"({"quota":5})");
    // Within a poll both instances' check paths hold the new limit.
    CPPUNIT_ASSERT(eventually(
        [&] { return remainingCheckedOn(0, key) == 5 && remainingCheckedOn(1, key) == 5; }));
    for (size_t i : {0, 1}) CPPUNIT_ASSERT_EQUAL(int64_t(5), remainingOn(i, id));
    int valid = 0;
    for (int n = 0; n < 30; ++n) valid += codeOn(static_cast<size_t>(n % 2), key) == "VALID";
    CPPUNIT_ASSERT_EQUAL(5, valid);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClusterQuotaTest);
