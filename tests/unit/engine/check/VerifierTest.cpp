#include <cppunit/extensions/HelperMacros.h>

#include <map>

#include "engine/base/ManualClock.h"
#include "engine/check/Verifier.h"
#include "engine/crypto/KeyCodec.h"
#include "tests/unit/support/FakeQuotaSource.h"

using namespace keywarden::engine;

namespace {
const int64_t kNow = 1795219200000;  // 2026-11-21T00:00:00Z
}

class VerifierTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(VerifierTest);
  CPPUNIT_TEST(validKeyIsValidAndCounted);
  CPPUNIT_TEST(badChecksumIsMalformedUnknownIsNotFound);
  CPPUNIT_TEST(timeDrivesScheduledExpiredAndPlannedRevocation);
  CPPUNIT_TEST(precedenceRevokedBeforeExpiredBeforeDisabled);
  CPPUNIT_TEST(inactiveClientDisablesItsKeys);
  CPPUNIT_TEST(scopesAndApisDecideForbidden);
  CPPUNIT_TEST(rateLimitComesBeforeUsageAndOnlyValidConsumes);
  CPPUNIT_TEST(tenantScopedCallerDoesNotSeeOtherTenants);
  CPPUNIT_TEST_SUITE_END();

 public:
  void setUp() override {
    clock = std::make_unique<ManualClock>(kNow);
    cache = std::make_unique<KeyCache>();
    verifier = std::make_unique<Verifier>(*cache, source, *clock, 100);
    cache->upsertClient(Client{"c1", "default", "Shop", "web", "", true, 0, 0});
    ApiDef orders;
    orders.id = "orders";
    orders.method = "GET";
    orders.path = "/orders/{id}";
    orders.scopes = {"orders:read"};
    ApiDef billing;
    billing.id = "billing";
    billing.method = "*";
    billing.path = "/billing/*";
    Group g;
    g.id = "g-billing";
    g.apis = {"billing"};
    cache->setCatalog(
        std::make_shared<ApiCatalog>(std::vector<ApiDef>{orders, billing}, std::vector<Group>{g}),
        1);
  }

  // Adds a key; returns its plaintext.
  std::string add(Key k) {
    MintedKey m = KeyCodec::mint("kw");
    if (k.id.empty()) k.id = "key" + std::to_string(++n);
    if (k.clientId.empty()) k.clientId = "c1";
    k.digest = m.digest;
    k.remaining = k.quota;
    source.remaining[k.id] = k.quota;
    cache->upsertKey(k);
    added[m.plaintext] = k;
    return m.plaintext;
  }

  // The definition `add` gave the cache for this plaintext (which the cache must hold).
  const Key& cachedKey(const std::string& key) {
    KeyCache::View v(*cache);
    CPPUNIT_ASSERT(v.findDigest(KeyDigest::of(key)) != KeyCache::kNone);
    return added.at(key);
  }

  VerifyCode check(const std::string& key, std::string_view method = "", std::string_view path = "",
                   const std::vector<std::string>* scopes = nullptr) {
    VerifyRequest r;
    r.key = key;
    r.method = method;
    r.path = path;
    r.scopes = scopes;
    return verifier->verify(r).code;
  }

  void validKeyIsValidAndCounted() {
    std::string k = add(Key{});
    VerifyRequest r;
    r.key = k;
    VerifyResult res = verifier->verify(r);
    CPPUNIT_ASSERT(res.code == VerifyCode::Valid);
    CPPUNIT_ASSERT_EQUAL(std::string("web"), *res.clientType);
    CPPUNIT_ASSERT_EQUAL(std::string("key1"), std::string(res.keyId.view()));
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), verifier->outcomes(VerifyCode::Valid));
    CPPUNIT_ASSERT(verifier->verify(r).code == VerifyCode::Valid);
    auto usage = cache->takeUsage();
    CPPUNIT_ASSERT_EQUAL(size_t(1), usage.size());
    CPPUNIT_ASSERT_EQUAL(std::string("key1"), usage[0].keyId);
    CPPUNIT_ASSERT_EQUAL(int64_t(2), usage[0].valid);
    CPPUNIT_ASSERT_EQUAL(kNow, usage[0].lastUsedAt);
    CPPUNIT_ASSERT(cache->takeUsage().empty());  // taken once
    cache->restoreUsage(usage);                  // a failed flush puts it back
    CPPUNIT_ASSERT_EQUAL(int64_t(2), cache->takeUsage().at(0).valid);
  }

  void badChecksumIsMalformedUnknownIsNotFound() {
    std::string k = add(Key{});
    std::string bad = k;
    bad[10] = bad[10] == 'x' ? 'y' : 'x';
    CPPUNIT_ASSERT(check(bad) == VerifyCode::Malformed);
    CPPUNIT_ASSERT(check("") == VerifyCode::Malformed);
    CPPUNIT_ASSERT(check(KeyCodec::mint("kw").plaintext) == VerifyCode::NotFound);
  }

  void timeDrivesScheduledExpiredAndPlannedRevocation() {
    Key k;
    k.effectiveAt = kNow + 1000;
    k.expiresAt = kNow + 5000;
    k.revokeAt = kNow + 3000;
    std::string key = add(k);
    CPPUNIT_ASSERT(check(key) == VerifyCode::NotYetActive);
    clock->set(kNow + 1000);
    CPPUNIT_ASSERT(check(key) == VerifyCode::Valid);
    clock->set(kNow + 3000);
    CPPUNIT_ASSERT(check(key) == VerifyCode::Revoked);
    Key e;
    e.expiresAt = kNow + 4000;
    std::string expiring = add(e);
    CPPUNIT_ASSERT(check(expiring) == VerifyCode::Valid);
    clock->set(kNow + 4000);
    CPPUNIT_ASSERT(check(expiring) == VerifyCode::Expired);
  }

  void precedenceRevokedBeforeExpiredBeforeDisabled() {
    Key k;
    k.state = KeyState::Disabled;
    k.expiresAt = kNow - 1;
    k.effectiveAt = kNow + 10000;
    std::string key = add(k);
    CPPUNIT_ASSERT(check(key) == VerifyCode::Expired);
    Key changed = cachedKey(key);
    changed.version = 1;
    changed.revokeAt = kNow - 5;
    cache->upsertKey(changed);
    CPPUNIT_ASSERT(check(key) == VerifyCode::Revoked);
    Key d;
    d.state = KeyState::Disabled;
    d.effectiveAt = kNow + 10000;
    CPPUNIT_ASSERT(check(add(d)) == VerifyCode::Disabled);
  }

  void inactiveClientDisablesItsKeys() {
    Key scheduled;
    scheduled.effectiveAt = kNow + 10000;
    std::string later = add(scheduled);
    std::string key = add(Key{});
    cache->upsertClient(Client{"c1", "default", "Shop", "web", "", false, 0, 1});
    CPPUNIT_ASSERT(check(key) == VerifyCode::Disabled);
    CPPUNIT_ASSERT(check(later) == VerifyCode::Disabled);  // DISABLED comes before NOT_YET_ACTIVE
    cache->upsertClient(Client{"c1", "default", "Shop", "web", "", true, 0, 0});  // an older change
    CPPUNIT_ASSERT(check(key) == VerifyCode::Disabled);
    cache->removeClient("c1");
    CPPUNIT_ASSERT(check(key) == VerifyCode::Disabled);
  }

  void scopesAndApisDecideForbidden() {
    Key reader;
    reader.scopes = {"orders:read"};
    std::string r = add(reader);
    std::vector<std::string> wantRead{"orders:read"}, wantWrite{"orders:write"};
    CPPUNIT_ASSERT(check(r, "GET", "/orders/7") == VerifyCode::Valid);  // holds the API's scopes
    CPPUNIT_ASSERT(check(r, "POST", "/orders/7") == VerifyCode::Forbidden);  // no API matches POST
    CPPUNIT_ASSERT(check(r, "GET", "/billing/x") == VerifyCode::Forbidden);  // not granted
    CPPUNIT_ASSERT(check(r, "", "", &wantRead) == VerifyCode::Valid);
    CPPUNIT_ASSERT(check(r, "", "", &wantWrite) == VerifyCode::Forbidden);
    Key grouped;
    grouped.groups = {"g-billing"};
    std::string g = add(grouped);
    CPPUNIT_ASSERT(check(g, "DELETE", "/billing/a/b") == VerifyCode::Valid);  // through the group
    CPPUNIT_ASSERT(check(g, "GET", "/orders/1") == VerifyCode::Forbidden);
    Key direct;
    direct.apis = {"orders"};
    CPPUNIT_ASSERT(check(add(direct), "get", "/orders/1?x=1") ==
                   VerifyCode::Valid);  // direct grant
    std::string open = add(Key{});
    CPPUNIT_ASSERT(check(open, "GET", "/unregistered") == VerifyCode::Valid);   // unrestricted key
    CPPUNIT_ASSERT(check(r, "GET", "/unregistered") == VerifyCode::Forbidden);  // restricted key
    Key wildcard;
    wildcard.scopes = {"orders:*"};
    CPPUNIT_ASSERT(check(add(wildcard), "", "", &wantWrite) == VerifyCode::Valid);
  }

  void rateLimitComesBeforeUsageAndOnlyValidConsumes() {
    Key k;
    k.quota = 3;
    k.rateLimit = 2;
    k.rateWindowMs = 1000;
    k.scopes = {"orders:read"};
    std::string key = add(k);
    std::vector<std::string> wantWrite{"orders:write"};
    CPPUNIT_ASSERT(check(key, "", "", &wantWrite) == VerifyCode::Forbidden);  // consumes nothing
    CPPUNIT_ASSERT(check(key) == VerifyCode::Valid);
    CPPUNIT_ASSERT(check(key) == VerifyCode::Valid);
    VerifyRequest r;
    r.key = key;
    VerifyResult limited = verifier->verify(r);
    CPPUNIT_ASSERT(limited.code == VerifyCode::RateLimited);
    CPPUNIT_ASSERT_EQUAL(int64_t(1000), limited.retryAfterMs);
    CPPUNIT_ASSERT_EQUAL(int64_t(1), limited.remaining);
    clock->advance(1000);
    CPPUNIT_ASSERT(check(key) == VerifyCode::Valid);
    CPPUNIT_ASSERT(check(key) == VerifyCode::UsageExceeded);
    clock->advance(1000);
    CPPUNIT_ASSERT(check(key) == VerifyCode::UsageExceeded);
  }

  void tenantScopedCallerDoesNotSeeOtherTenants() {
    Key k;
    k.tenant = "acme";
    std::string key = add(k);
    VerifyRequest r;
    r.key = key;
    r.tenant = "globex";
    CPPUNIT_ASSERT(verifier->verify(r).code == VerifyCode::NotFound);
    r.tenant = "acme";
    CPPUNIT_ASSERT(verifier->verify(r).code == VerifyCode::Valid);
  }

 private:
  FakeQuotaSource source;
  std::unique_ptr<ManualClock> clock;
  std::unique_ptr<KeyCache> cache;
  std::map<std::string, Key> added;
  std::unique_ptr<Verifier> verifier;
  int n = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(VerifierTest);
