#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <thread>
#include <vector>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

namespace {
// `default` carries modify applications out at once (no levels); a partner's go through one
// level that an admin decides for the lead.
const char* kFlows[][2] = {
    {"default.json", R"({"id":"default","priority":0,"match":{},"levels":[]})"},
    {"partners.json", R"({"id":"partners","priority":20,"match":{"clientTypes":["partner"]},
      "levels":[{"name":"Lead","approvers":["lead@example.com"],"policy":"any"}]})"},
};

std::string inMs(int64_t ms) {
  auto t = std::chrono::system_clock::now() + std::chrono::milliseconds(ms);
  time_t s = std::chrono::system_clock::to_time_t(t);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&s));
  return buf;
}
}  // namespace

// A changed limit applies to the next check (issue 10 §3): quota, validity and grants changed
// by a modify application, a key action or the catalog; units already leased by the instance
// stop being served; GET /v1/keys/{id} shows the exact count right after. Rotation moves the
// whole remaining quota to the new key, also while the old one is being checked.
class LimitChangeTest : public Fixture {
  CPPUNIT_TEST_SUITE(LimitChangeTest);
  CPPUNIT_TEST(quotaCutFrom1000To10AfterOneCallServesExactlyNineMore);
  CPPUNIT_TEST(quotaCutByAnApprovedApplicationAppliesToLeasedUnits);
  CPPUNIT_TEST(quotaRaisedGrowsRemainingAtOnce);
  CPPUNIT_TEST(quotaToUnlimitedAndBackRestartsTheCount);
  CPPUNIT_TEST(quotaLoweredBelowWhatWasUsedRefusesTheNextCall);
  CPPUNIT_TEST(narrowedScopesApisAndGroupsForbidTheNextCall);
  CPPUNIT_TEST(groupLosingAnApiForbidsTheNextCall);
  CPPUNIT_TEST(expiryMovedEarlierExpiresTheKeyAtTheNewTime);
  CPPUNIT_TEST(disableAndRevokeApplyToTheNextCallAndKeepTheCount);
  CPPUNIT_TEST(rotationUnderConcurrentChecksServesExactlyTheQuota);
  CPPUNIT_TEST(rotatedAwayKeyRefusesAQuotaChange);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    flowsDir = std::make_unique<TempDir>("kwflows");
    for (const auto& f : kFlows) writeFile(flowsDir->file(f[0]), f[1]);
    return {{"workflows.dir", flowsDir->path()}};
  }

  void setUp() override {
    Fixture::setUp();
    admin("POST", "/v1/clients",
          R"({"id":"web","name":"Web","clientType":"web","contactEmail":"req@example.com"})");
    admin(
        "POST", "/v1/clients",
        R"({"id":"partner","name":"Partner","clientType":"partner","contactEmail":"req@example.com"})");
    admin("POST", "/v1/apis",
          R"({"id":"orders-read","name":"r","method":"GET","path":"/orders/*","scopes":[]})");
    admin("POST", "/v1/apis",
          R"({"id":"orders-write","name":"w","method":"POST","path":"/orders","scopes":[]})");
    admin("POST", "/v1/apis",
          R"({"id":"files","name":"f","method":"GET","path":"/files/*","scopes":[]})");
    HttpResponse g =
        admin("POST", "/v1/groups", R"({"id":"ops","name":"Ops","apis":["orders-read","files"]})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(g.body, 201, g.status);
    requester = token("--role requester --email req@example.com");
  }

  // {id, plaintext} of a key issued by an admin for client `client`.
  std::pair<std::string, std::string> key(const std::string& fields,
                                          const std::string& client = "web") {
    HttpResponse r = admin("POST", "/v1/keys",
                           R"({"clientId":")" + client + R"(","name":"k")" +
                               (fields.empty() ? "" : "," + fields) + "}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    return {r.json()->getValue<std::string>("id"), r.json()->getValue<std::string>("key")};
  }
  // Submits a modify application for key `id` and returns it (ISSUED at once in `default`).
  Poco::JSON::Object::Ptr modify(const std::string& id, const std::string& changes,
                                 const std::string& client = "web") {
    HttpResponse r = as(requester, "POST", "/v1/applications",
                        R"({"kind":"modify","clientId":")" + client + R"(","keyId":")" + id +
                            R"(","changes":)" + changes + "}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    return r.json();
  }
  void modified(const std::string& id, const std::string& changes) {
    auto a = modify(id, changes);
    CPPUNIT_ASSERT_EQUAL(std::string("ISSUED"), a->getValue<std::string>("state"));
  }
  Poco::JSON::Object::Ptr get(const std::string& id) {
    HttpResponse r = admin("GET", "/v1/keys/" + id);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    return r.json();
  }
  int64_t remaining(const std::string& id) { return get(id)->getValue<int64_t>("remaining"); }
  // Checks `key` until it is refused; returns how many were VALID and asserts the refusal code.
  int validUntilRefused(const std::string& key, const std::string& refusal = "USAGE_EXCEEDED",
                        int atMost = 5000) {
    for (int n = 0; n < atMost; ++n) {
      std::string code = verify(key);
      if (code == "VALID") continue;
      CPPUNIT_ASSERT_EQUAL(refusal, code);
      return n;
    }
    return atMost;
  }
  std::string call(const std::string& key, const std::string& method, const std::string& path) {
    return verify(key, R"(,"method":")" + method + R"(","path":")" + path + "\"");
  }

  // The field report: a modify application cut the quota from 1000 to 10 after one call; the
  // instance served its leased block (99 VALID) and GET said remaining 99.
  void quotaCutFrom1000To10AfterOneCallServesExactlyNineMore() {
    auto idPlainPair = key(R"("quota":1000)");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    CPPUNIT_ASSERT_EQUAL(int64_t(999), remaining(id));
    modified(id, R"({"quota":10})");
    auto k = get(id);
    CPPUNIT_ASSERT_EQUAL(int64_t(10), k->getValue<int64_t>("quota"));
    CPPUNIT_ASSERT_EQUAL(int64_t(9), k->getValue<int64_t>("remaining"));
    CPPUNIT_ASSERT_EQUAL(9, validUntilRefused(plain));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), remaining(id));
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), verify(plain));
  }

  // The same through a flow with a level, approved by an admin's decision; GET shows the exact
  // count after each call.
  void quotaCutByAnApprovedApplicationAppliesToLeasedUnits() {
    auto idPlainPair = key(R"("quota":1000)", "partner");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    auto a = modify(id, R"({"quota":10})", "partner");
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"), a->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));  // nothing changes before approval
    HttpResponse d =
        admin("POST", "/v1/applications/" + a->getValue<std::string>("id") + "/decisions",
              R"({"decision":"approve","approver":"lead@example.com"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(d.body, std::string("ISSUED"),
                                 d.json()->getValue<std::string>("state"));
    for (int64_t left = 6; left > 0; --left) {
      CPPUNIT_ASSERT_EQUAL(left, remaining(id));
      CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    }
    CPPUNIT_ASSERT_EQUAL(int64_t(0), remaining(id));
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), verify(plain));
  }

  void quotaRaisedGrowsRemainingAtOnce() {
    auto idPlainPair = key(R"("quota":5)");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(5, validUntilRefused(plain));
    modified(id, R"({"quota":8})");
    CPPUNIT_ASSERT_EQUAL(int64_t(3), remaining(id));
    CPPUNIT_ASSERT_EQUAL(3, validUntilRefused(plain));
    // Raised again while units are leased: the leased ones count, nothing is lost.
    modified(id, R"({"quota":208})");
    CPPUNIT_ASSERT_EQUAL(int64_t(200), remaining(id));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    modified(id, R"({"quota":308})");
    CPPUNIT_ASSERT_EQUAL(int64_t(299), remaining(id));
    CPPUNIT_ASSERT_EQUAL(299, validUntilRefused(plain));
  }

  void quotaToUnlimitedAndBackRestartsTheCount() {
    auto idPlainPair = key(R"("quota":100)");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    modified(id, R"({"quota":-1})");
    CPPUNIT_ASSERT_EQUAL(int64_t(-1), remaining(id));
    CPPUNIT_ASSERT_EQUAL(150, validUntilRefused(plain, "USAGE_EXCEEDED", 150));
    modified(id, R"({"quota":5})");
    CPPUNIT_ASSERT_EQUAL(int64_t(5), remaining(id));
    // The 99 units leased before the quota turned unlimited belong to the old count.
    CPPUNIT_ASSERT_EQUAL(5, validUntilRefused(plain));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), remaining(id));
    modified(id, R"({"quota":-1})");
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
  }

  void quotaLoweredBelowWhatWasUsedRefusesTheNextCall() {
    auto idPlainPair = key(R"("quota":50)");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    for (int i = 0; i < 20; ++i) CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    modified(id, R"({"quota":10})");
    CPPUNIT_ASSERT_EQUAL(int64_t(0), remaining(id));
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), verify(plain));
    // Raising it to 25 leaves 5: the 20 calls count, not the units that were leased.
    modified(id, R"({"quota":25})");
    CPPUNIT_ASSERT_EQUAL(int64_t(5), remaining(id));
    CPPUNIT_ASSERT_EQUAL(5, validUntilRefused(plain));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), get(id)->getValue<int64_t>("remaining"));
  }

  void narrowedScopesApisAndGroupsForbidTheNextCall() {
    auto sidScopedPair = key(R"("scopes":["orders:read","orders:write"])");
    [[maybe_unused]] auto& sid = sidScopedPair.first;
    [[maybe_unused]] auto& scoped = sidScopedPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(scoped, R"(,"scopes":["orders:write"])"));
    modified(sid, R"({"scopes":["orders:read"]})");
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), verify(scoped, R"(,"scopes":["orders:write"])"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(scoped, R"(,"scopes":["orders:read"])"));

    auto aidApisPair = key(R"("apis":["orders-read","orders-write"])");
    [[maybe_unused]] auto& aid = aidApisPair.first;
    [[maybe_unused]] auto& apis = aidApisPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), call(apis, "POST", "/orders"));
    modified(aid, R"({"apis":["orders-read"]})");
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), call(apis, "POST", "/orders"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), call(apis, "GET", "/orders/1"));

    auto gidGroupedPair = key(R"("groups":["ops"])");
    [[maybe_unused]] auto& gid = gidGroupedPair.first;
    [[maybe_unused]] auto& grouped = gidGroupedPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), call(grouped, "GET", "/files/a"));
    modified(gid, R"({"groups":[],"apis":["orders-read"]})");
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), call(grouped, "GET", "/files/a"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), call(grouped, "GET", "/orders/1"));
  }

  void groupLosingAnApiForbidsTheNextCall() {
    auto idPlainPair = key(R"("groups":["ops"])");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), call(plain, "GET", "/files/a"));
    HttpResponse p = admin("PATCH", "/v1/groups/ops", R"({"apis":["orders-read"]})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(p.body, 200, p.status);
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), call(plain, "GET", "/files/a"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), call(plain, "GET", "/orders/1"));
    // An API whose path moves away from the call forbids it as well.
    HttpResponse a = admin("PATCH", "/v1/apis/orders-read", R"({"path":"/v2/orders/*"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(a.body, 200, a.status);
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), call(plain, "GET", "/orders/1"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), call(plain, "GET", "/v2/orders/1"));
  }

  void expiryMovedEarlierExpiresTheKeyAtTheNewTime() {
    auto idPlainPair = key(R"("expiresAt":")" + inMs(86400000) + "\"");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    std::string soon = inMs(2500);
    modified(id, R"({"expiresAt":")" + soon + "\"}");
    CPPUNIT_ASSERT_EQUAL(soon, get(id)->getValue<std::string>("expiresAt"));
    // An expiry in the past is refused and changes nothing.
    HttpResponse past = as(requester, "POST", "/v1/applications",
                           R"({"kind":"modify","clientId":"web","keyId":")" + id +
                               R"(","changes":{"expiresAt":"2020-01-01T00:00:00Z"}})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(past.body, 400, past.status);
    CPPUNIT_ASSERT_EQUAL(soon, get(id)->getValue<std::string>("expiresAt"));
    CPPUNIT_ASSERT(eventually([&] { return verify(plain) == "EXPIRED"; }));
    CPPUNIT_ASSERT_EQUAL(std::string("EXPIRED"), get(id)->getValue<std::string>("state"));
  }

  void disableAndRevokeApplyToTheNextCallAndKeepTheCount() {
    auto idPlainPair = key(R"("quota":30)");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    for (int i = 0; i < 4; ++i) CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plain));
    CPPUNIT_ASSERT_EQUAL(200, admin("POST", "/v1/keys/" + id + "/disable", "{}").status);
    CPPUNIT_ASSERT_EQUAL(std::string("DISABLED"), verify(plain));
    CPPUNIT_ASSERT_EQUAL(int64_t(26), remaining(id));
    CPPUNIT_ASSERT_EQUAL(200, admin("POST", "/v1/keys/" + id + "/enable", "{}").status);
    CPPUNIT_ASSERT_EQUAL(int64_t(26), remaining(id));
    CPPUNIT_ASSERT_EQUAL(26, validUntilRefused(plain));
    CPPUNIT_ASSERT_EQUAL(200, admin("POST", "/v1/keys/" + id + "/revoke", "{}").status);
    CPPUNIT_ASSERT_EQUAL(std::string("REVOKED"), verify(plain));
  }

  // Several threads check the old key (then old and new) while it is rotated: the calls
  // accepted over old and new together are exactly the quota, round after round, and no unit
  // stays behind in the rotated-away row.
  void rotationUnderConcurrentChecksServesExactlyTheQuota() {
    for (int round = 0; round < 4; ++round) {
      const int quota = 200 + 37 * round;
      auto oldIdOldKeyPair = key(R"("quota":)" + std::to_string(quota));
      [[maybe_unused]] auto& oldId = oldIdOldKeyPair.first;
      [[maybe_unused]] auto& oldKey = oldIdOldKeyPair.second;
      std::atomic<int> valid{0}, other{0};
      std::atomic<bool> rotated{false};
      std::string newKey;
      std::atomic<bool> newReady{false};
      std::vector<std::thread> threads;
      for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
          bool oldDone = false, newDone = false;
          for (int n = 0; n < 4 * quota && !(oldDone && newDone); ++n) {
            bool useNew = newReady.load() && (t + n) % 2 == 1;
            if (useNew && newDone) useNew = false;
            if (!useNew && oldDone) {
              if (!newReady.load()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
                continue;
              }
              useNew = true;
            }
            HttpResponse r = server->client().request(
                "POST", "/v1/keys/verify", R"({"key":")" + (useNew ? newKey : oldKey) + "\"}");
            std::string code = r.status == 200 ? r.json()->getValue<std::string>("code") : "";
            if (code == "VALID")
              ++valid;
            else if (code == "USAGE_EXCEEDED")
              (useNew ? newDone : oldDone) = rotated.load();  // only a refusal after rotation ends
            else
              ++other;
          }
        });
      while (valid.load() < 20 + 10 * round) std::this_thread::yield();
      HttpResponse r = admin("POST", "/v1/keys/" + oldId + "/rotate", R"({"graceSeconds":300})");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
      std::string newId = r.json()->getValue<std::string>("id");
      newKey = r.json()->getValue<std::string>("key");
      newReady = true;
      rotated = true;
      for (auto& th : threads) th.join();
      CPPUNIT_ASSERT_EQUAL(0, other.load());
      CPPUNIT_ASSERT_EQUAL_MESSAGE("round " + std::to_string(round), quota, valid.load());
      CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), verify(oldKey));
      CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), verify(newKey));
      CPPUNIT_ASSERT_EQUAL(int64_t(0), remaining(newId));
      CPPUNIT_ASSERT_EQUAL(int64_t(0), remaining(oldId));  // shares the lineage's count
    }
  }

  void rotatedAwayKeyRefusesAQuotaChange() {
    auto oldIdOldKeyPair = key(R"("quota":10)");
    [[maybe_unused]] auto& oldId = oldIdOldKeyPair.first;
    [[maybe_unused]] auto& oldKey = oldIdOldKeyPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(oldKey));
    HttpResponse r = admin("POST", "/v1/keys/" + oldId + "/rotate", R"({"graceSeconds":300})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    std::string newId = r.json()->getValue<std::string>("id");
    CPPUNIT_ASSERT_EQUAL(int64_t(9), remaining(newId));
    CPPUNIT_ASSERT_EQUAL(int64_t(9), remaining(oldId));
    HttpResponse refused = as(requester, "POST", "/v1/applications",
                              R"({"kind":"modify","clientId":"web","keyId":")" + oldId +
                                  R"(","changes":{"quota":1000}})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(refused.body, 409, refused.status);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_STATE"), refused.errorCode());
    CPPUNIT_ASSERT_EQUAL(int64_t(9), remaining(newId));
    // The new key's quota is the lineage's: changing it applies to both keys.
    modified(newId, R"({"quota":5})");
    CPPUNIT_ASSERT_EQUAL(int64_t(4), remaining(oldId));
    CPPUNIT_ASSERT_EQUAL(4, validUntilRefused(oldKey));
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"),
                         verify(r.json()->getValue<std::string>("key")));
  }

  // Threads check the key while its quota is cut from 1000 to 60, inside the block leased for
  // the first calls: every call counts once, before the change or after it, and the run ends
  // at exactly 60 (or, had the threads passed 60 before the change, where they were then).
  void quotaCutWhileCheckedServesExactlyTheNewQuotaInAll() {
    auto idPlainPair = key(R"("quota":1000)");
    [[maybe_unused]] auto& id = idPlainPair.first;
    [[maybe_unused]] auto& plain = idPlainPair.second;
    std::atomic<int> valid{0}, other{0};
    std::atomic<bool> changed{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, k = plain] {
        for (int n = 0; n < 1000; ++n) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));  // let the change in
          HttpResponse r =
              server->client().request("POST", "/v1/keys/verify", R"({"key":")" + k + "\"}");
          std::string code = r.status == 200 ? r.json()->getValue<std::string>("code") : "";
          if (code == "VALID")
            ++valid;
          else if (code == "USAGE_EXCEEDED" && changed.load())
            return;
          else
            ++other;
        }
      });
    while (valid.load() < 10) std::this_thread::yield();
    changed = true;  // from here on a refusal is the end (the cut is the only way to one)
    modified(id, R"({"quota":60})");
    const int atChange = valid.load();
    for (auto& th : threads) th.join();
    CPPUNIT_ASSERT_EQUAL(0, other.load());
    CPPUNIT_ASSERT_MESSAGE(
        std::to_string(valid.load()) + " VALID, " + std::to_string(atChange) +
            " when the change was answered",
        valid.load() >= 60 &&
            valid.load() <= std::max(60, atChange + 4));  // + one in flight per thread
    CPPUNIT_ASSERT_EQUAL(int64_t(0), remaining(id));
  }

  std::unique_ptr<TempDir> flowsDir;
  std::string requester;
};

CPPUNIT_TEST_SUITE_REGISTRATION(LimitChangeTest);

// The same server with leases of 1000 units: a cut lands deep inside the leased block.
class LimitChangeWideLeaseTest : public LimitChangeTest {
  CPPUNIT_TEST_SUITE(LimitChangeWideLeaseTest);
  CPPUNIT_TEST(quotaCutWhileCheckedServesExactlyTheNewQuotaInAll);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    auto s = LimitChangeTest::settings();
    s["quota.leaseBlock"] = "1000";
    return s;
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LimitChangeWideLeaseTest);
