// Issue 14 "No cold caches across instances": a key issued on one instance is VALID on another
// at the very next call, not after that instance's next poll of the change feed — a miss for a
// well-formed key is looked up in the store — while made-up keys cannot flood the store: the
// look-ups are bounded by gateway.storeLookupsPerSecond and a miss is not looked up again.
// Needs PostgreSQL (several instances on one database); without it every test returns at once.
#include <chrono>
#include <memory>
#include <string>

#include "engine/crypto/KeyCodec.h"
#include "tests/integration/Fixture.h"

using namespace keywarden::test;

class ClusterMissTest : public Fixture {
  CPPUNIT_TEST_SUITE(ClusterMissTest);
  CPPUNIT_TEST(keyIssuedOnOneInstanceIsValidOnAnotherAtOnce);
  CPPUNIT_TEST(madeUpKeysAreLookedUpAtMostAtTheBoundAndOnce);
  CPPUNIT_TEST_SUITE_END();

 public:
  // A poll of a minute: only the store look-up can make the key known in time.
  std::map<std::string, std::string> settings() override {
    return {{"cluster.pollInterval", "60s"}, {"gateway.storeLookupsPerSecond", "5"}};
  }
  void tearDown() override {
    other.reset();
    Fixture::tearDown();
  }
  void startOther() {
    auto s = settings();
    for (const auto& [k, v] : server->sameDatabase()) s[k] = v;
    other = std::make_unique<ServerProcess>(s);
    other->start();
  }
  HttpResponse gate(ServerProcess& s, const std::string& key) {
    return s.client().request("GET", "/v1/gateway/auth", "", {{"X-API-Key", key}});
  }
  long metric(ServerProcess& s, const std::string& line) {
    std::string body = s.client().request("GET", "/metrics").body;
    size_t at = body.find("\n" + line + " ");
    CPPUNIT_ASSERT_MESSAGE(body, at != std::string::npos);
    return std::stol(body.substr(at + line.size() + 2));
  }

  void keyIssuedOnOneInstanceIsValidOnAnotherAtOnce() {
    if (!server->postgres()) return;
    startOther();
    auto [id, key] = newKey();
    HttpResponse r = gate(*other, key);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.header("X-Keywarden-Code"), 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), r.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT_EQUAL(1L, metric(*other, "keywarden_key_store_lookups_total{result=\"found\"}"));
    // Known from then on: the next checks do not ask the store.
    for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT_EQUAL(200, gate(*other, key).status);
    CPPUNIT_ASSERT_EQUAL(1L, metric(*other, "keywarden_key_store_lookups_total{result=\"found\"}"));
  }

  void madeUpKeysAreLookedUpAtMostAtTheBoundAndOnce() {
    if (!server->postgres()) return;
    const std::string fake = keywarden::engine::KeyCodec::mint("kw").plaintext;
    CPPUNIT_ASSERT_EQUAL(401, gate(*server, fake).status);
    for (int i = 0; i < 10; ++i) CPPUNIT_ASSERT_EQUAL(401, gate(*server, fake).status);
    // One look-up for that key: the others hit the negative cache.
    CPPUNIT_ASSERT_EQUAL(1L,
                         metric(*server, "keywarden_key_store_lookups_total{result=\"missing\"}"));
    // 200 made-up keys in a row: the bucket (5 a second, bursts of 5) lets only a few reach the
    // store; every other miss is answered without it.
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 200; ++i)
      CPPUNIT_ASSERT_EQUAL(401,
                           gate(*server, keywarden::engine::KeyCodec::mint("kw").plaintext).status);
    auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0)
            .count() +
        1;
    long missing = metric(*server, "keywarden_key_store_lookups_total{result=\"missing\"}");
    long skipped = metric(*server, "keywarden_key_store_lookups_total{result=\"skipped\"}");
    std::string ctx = std::to_string(missing) + " looked up, " + std::to_string(skipped) +
                      " skipped in " + std::to_string(seconds) + " s";
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, 211L, missing + skipped);
    CPPUNIT_ASSERT_MESSAGE(ctx, missing <= 1 + 5 + 5 * seconds);
  }

  std::unique_ptr<ServerProcess> other;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClusterMissTest);
