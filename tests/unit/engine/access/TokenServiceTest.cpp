#include <cppunit/extensions/HelperMacros.h>

#include <memory>

#include "engine/access/TokenService.h"
#include "engine/base/ManualClock.h"
#include "engine/crypto/Crypto.h"
#include "store/SqlStore.h"
#include "tests/support/TempDir.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;
using namespace keywarden::engine;

// Access tokens on a real SQLite file with a manual clock: what is remembered, what is refused
// without asking the store, and revocation.
class TokenServiceTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(TokenServiceTest);
  CPPUNIT_TEST(unknownTokenIsRefusedFromMemoryForASecond);
  CPPUNIT_TEST(revokedTokenIsForgottenAndRefused);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>("kwtokens");
    store = test::migratedStore(*dir);
    clock = std::make_unique<ManualClock>(1'800'000'000'000);
    tokens = std::make_unique<TokenService>(*store, *clock);
  }
  void tearDown() override {
    tokens.reset();
    store.reset();
    dir.reset();
  }

  void unknownTokenIsRefusedFromMemoryForASecond() {
    std::string plain = "kwt_" + Crypto::randomBase62(40);
    CPPUNIT_ASSERT(!tokens->authenticate(plain));
    // The token appears in the store behind the service's back (as if it had been minted
    // with exactly this value): the refusal is remembered for a second, then asked again.
    AccessToken t;
    t.id = "tok_x";
    t.digestHex = Crypto::sha256Hex(plain);
    t.role = Role::Admin;
    store->write([&](Transaction& tx) { tx.tokens().insert(t); });
    clock->set(clock->nowMs() + 999);
    CPPUNIT_ASSERT(!tokens->authenticate(plain));
    clock->set(clock->nowMs() + 1);
    auto p = tokens->authenticate(plain);
    CPPUNIT_ASSERT(p && p->tokenId == "tok_x");
  }

  void revokedTokenIsForgottenAndRefused() {
    auto minted = tokens->create(Role::Gateway, "", "", "gw");
    CPPUNIT_ASSERT(minted);
    std::string plain = minted.value().plaintext;
    CPPUNIT_ASSERT(tokens->authenticate(plain));  // now remembered
    CPPUNIT_ASSERT(tokens->revoke(minted.value().token.id, "test"));
    CPPUNIT_ASSERT(!tokens->authenticate(plain));
    CPPUNIT_ASSERT(!tokens->revoke(minted.value().token.id, "test"));  // once only
    auto listed = tokens->list();
    CPPUNIT_ASSERT_EQUAL(size_t(1), listed.size());
    CPPUNIT_ASSERT(listed[0].revokedAt == clock->nowMs());
  }

  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
  std::unique_ptr<ManualClock> clock;
  std::unique_ptr<TokenService> tokens;
};

CPPUNIT_TEST_SUITE_REGISTRATION(TokenServiceTest);
