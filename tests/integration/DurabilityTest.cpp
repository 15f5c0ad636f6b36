#include <atomic>
#include <thread>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

class DurabilityTest : public Fixture {
  CPPUNIT_TEST_SUITE(DurabilityTest);
  CPPUNIT_TEST(quotaIsNeverServedPastItsLimitAcrossKill9);
  CPPUNIT_TEST(gracefulRestartReturnsUnusedQuotaAndKeepsUsage);
  CPPUNIT_TEST(rotatedKeyKeepsItsQuotaAcrossRestarts);
  CPPUNIT_TEST(databaseFileNeverHoldsAPlaintextKey);
  CPPUNIT_TEST(concurrentWritesAndChecksNeverSeeALockedDatabase);
  CPPUNIT_TEST(cacheFollowsEveryChangeImmediately);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override { return {{"quota.leaseBlock", "4"}}; }

  void quotaIsNeverServedPastItsLimitAcrossKill9() {
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","quota":10})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    int valid = 0;
    for (int i = 0; i < 5; ++i) valid += verify(key) == "VALID" ? 1 : 0;
    CPPUNIT_ASSERT_EQUAL(5, valid);
    server->kill9();  // 8 units were leased (two blocks of 4): 3 are stranded, never re-served
    server->start();
    for (int i = 0; i < 10; ++i) valid += verify(key) == "VALID" ? 1 : 0;
    CPPUNIT_ASSERT(valid <= 10);
    CPPUNIT_ASSERT(valid >= 10 - 4);  // at most one block strands per crash
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), verify(key));
  }

  void gracefulRestartReturnsUnusedQuotaAndKeepsUsage() {
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","quota":10})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    server->start();
    auto k = admin("GET", "/v1/keys/" + id).json();
    CPPUNIT_ASSERT_EQUAL(7, k->getValue<int>("remaining"));
    CPPUNIT_ASSERT_EQUAL(3, k->getObject("usage")->getValue<int>("valid"));
    int valid = 0;
    for (int i = 0; i < 9; ++i) valid += verify(key) == "VALID" ? 1 : 0;
    CPPUNIT_ASSERT_EQUAL(7, valid);
  }

  // Found by make chaos: after any restart, a rotated lineage was served as unlimited (the
  // successor, loaded after the old key, never configured the quota they share).
  void rotatedKeyKeepsItsQuotaAcrossRestarts() {
    for (bool kill : {true, false}) {
      auto [oldId, oldKey] = newKey(R"({"clientId":"c1","name":"k","quota":6})");
      for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(oldKey));
      auto r = admin("POST", "/v1/keys/" + oldId + "/rotate", R"({"graceSeconds":3600})");
      CPPUNIT_ASSERT_EQUAL(201, r.status);
      std::string newKey = r.json()->getValue<std::string>("key");
      if (kill)
        server->kill9();  // the one leased block (4 units, 1 unspent) strands
      else
        CPPUNIT_ASSERT_EQUAL(0, server->stop());
      server->start();
      int valid = 0;
      for (int i = 0; i < 8; ++i) {
        valid += verify(newKey) == "VALID" ? 1 : 0;
        valid += verify(oldKey) == "VALID" ? 1 : 0;
      }
      CPPUNIT_ASSERT_EQUAL_MESSAGE(kill ? "after kill -9" : "after a graceful stop", kill ? 2 : 3,
                                   valid);
      auto k = admin("GET", "/v1/keys/" + oldId).json();
      CPPUNIT_ASSERT_EQUAL(6, k->getValue<int>("quota"));
      CPPUNIT_ASSERT_EQUAL(0, k->getValue<int>("remaining"));
    }
  }

  void databaseFileNeverHoldsAPlaintextKey() {
    std::vector<std::string> keys;
    for (int i = 0; i < 5; ++i) keys.push_back(newKey().second);
    auto ridRotatedPair = newKey();
    [[maybe_unused]] auto& rid = ridRotatedPair.first;
    [[maybe_unused]] auto& rotated = ridRotatedPair.second;
    keys.push_back(admin("POST", "/v1/keys/" + rid + "/rotate", R"({"graceSeconds":5})")
                       .json()
                       ->getValue<std::string>("key"));
    keys.push_back(rotated);
    keys.push_back(admin("POST", "/v1/tenants/acme/apiKeys", R"({"name":"t"})")
                       .json()
                       ->getValue<std::string>("key"));
    for (const auto& k : keys) verify(k);
    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    std::string db = server->storedBytes();
    std::string log = server->log();
    CPPUNIT_ASSERT(db.size() > 4096);
    for (const auto& k : keys) {
      std::string secretPart = k.substr(7);  // everything after the display start
      CPPUNIT_ASSERT_MESSAGE("plaintext key in the database",
                             db.find(secretPart) == std::string::npos);
      CPPUNIT_ASSERT_MESSAGE("plaintext key in the log", log.find(secretPart) == std::string::npos);
    }
    CPPUNIT_ASSERT(log.find(server->adminToken()) == std::string::npos);
  }

  void concurrentWritesAndChecksNeverSeeALockedDatabase() {
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","quota":200})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    std::atomic<int> created{0}, failed{0}, valid{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 15; ++i) {
          try {
            HttpResponse r = admin("POST", "/v1/keys",
                                   R"({"clientId":"c1","name":"t)" + std::to_string(t) + "\"}");
            (r.status == 201 ? created : failed)++;
            HttpResponse v =
                server->client().request("POST", "/v1/keys/verify", R"({"key":")" + key + "\"}");
            if (v.body.find("\"VALID\"") != std::string::npos) valid++;
          } catch (...) {
            failed++;
          }
        }
      });
    for (auto& th : threads) th.join();
    CPPUNIT_ASSERT_EQUAL(0, failed.load());
    CPPUNIT_ASSERT_EQUAL(120, created.load());
    CPPUNIT_ASSERT_EQUAL(120, valid.load());
    CPPUNIT_ASSERT(server->log().find("locked") == std::string::npos);
    CPPUNIT_ASSERT_EQUAL(size_t(121), admin("GET", "/v1/keys").json()->getArray("keys")->size());
  }

  void cacheFollowsEveryChangeImmediately() {
    admin(
        "POST", "/v1/apis",
        R"({"id":"orders","name":"O","method":"GET","path":"/orders/{id}","scopes":["orders:read"]})");
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","scopes":["orders:read"]})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    auto call = [&] { return verify(key, R"(,"method":"GET","path":"/orders/1")"); };
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), call());
    admin("PATCH", "/v1/apis/orders", R"({"scopes":["orders:admin"]})");
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), call());
    admin("POST", "/v1/groups", R"({"id":"g","name":"G","apis":["orders"]})");
    admin("PATCH", "/v1/apis/orders", R"({"scopes":["orders:read"]})");
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), call());
    admin("PATCH", "/v1/clients/c1", R"({"active":false})");
    CPPUNIT_ASSERT_EQUAL(std::string("DISABLED"), call());
    admin("PATCH", "/v1/clients/c1", R"({"active":true})");
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), call());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DurabilityTest);
