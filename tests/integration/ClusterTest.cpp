#include <atomic>
#include <chrono>
#include <ctime>
#include <set>
#include <thread>

#include "tests/integration/Fixture.h"
#include "tests/support/PostgresServer.h"
#include "tests/support/SmtpServer.h"

using namespace keywarden::test;

namespace {
std::string inSeconds(int s) {
  time_t t = time(nullptr) + s;
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  return buf;
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

// Several instances on one PostgreSQL database (each a real `keywarden serve`). The suite
// runs in the PostgreSQL pass only (CTest excludes it from the SQLite pass: SQLite is one
// instance by design, see the README).
class ClusterTest : public Fixture {
  CPPUNIT_TEST_SUITE(ClusterTest);
  CPPUNIT_TEST(quotaHammeredFromThreeInstancesEndsExactlyAtItsLimit);
  CPPUNIT_TEST(revokeDisableAndRotateOnOneAreRefusedByTheOthersWithinOneSecond);
  CPPUNIT_TEST(jobDueWhileOneInstanceIsKilledIsDoneOnceByAnother);
  CPPUNIT_TEST(threeInstancesSendEveryMailOnce);
  CPPUNIT_TEST(aSecondProcessWithTheSameNameIsRefused);
  CPPUNIT_TEST(aChangeBlockedByAnotherTransactionAnswers503AndWritesNothing);
  CPPUNIT_TEST(lostDatabaseConnectionsAreReopenedAndChecksNeverStop);
  CPPUNIT_TEST(quotaCutOnOneInstanceAppliesToUnitsLeasedByTheOthers);
  CPPUNIT_TEST(quotaRaisedAndScopesNarrowedOnOneApplyOnTheOthersWithinAPoll);
  CPPUNIT_TEST(rotationWhileCheckedOnTwoInstancesMovesTheWholeQuota);
  CPPUNIT_TEST(quotaTurnedUnlimitedAndBackOnOneRestartsTheCountOnTheOthers);
  CPPUNIT_TEST(rateLimitLoweredOnOneAppliesOnTheOtherWithinAPoll);
  CPPUNIT_TEST(twoInstancesAuditingConcurrentlyKeepOneValidChain);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    smtp = std::make_unique<SmtpServer>();
    return common();
  }
  std::map<std::string, std::string> common() const {
    return {{"smtp.port", std::to_string(smtp->port())},
            {"smtp.retryMax", "1s"},
            {"quota.leaseBlock", "10"},
            {"cluster.pollInterval", "250ms"},
            {"keys.expiryReminder", "2s"}};
  }
  void setUp() override {
    Fixture::setUp();
    CPPUNIT_ASSERT_MESSAGE("the cluster suite needs PostgreSQL (KW_TEST_DB=postgresql)",
                           server->postgres());
    smtp->start();
  }
  void tearDown() override {
    others.clear();
    Fixture::tearDown();
  }
  // Starts `n` more instances on the first one's database.
  void startOthers(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      auto s = common();
      for (const auto& [k, v] : server->sameDatabase()) s[k] = v;
      others.push_back(std::make_unique<ServerProcess>(s));
      others.back()->start();
    }
  }
  // The admin API of instance `i` (0 = the fixture's server), with the shared admin token.
  HttpResponse on(size_t i, const std::string& method, const std::string& path,
                  const std::string& body = "") {
    const ServerProcess& s = i == 0 ? *server : *others.at(i - 1);
    return s.client().call(method, path, server->adminToken(), body);
  }
  int gate(size_t i, const std::string& key) {
    const ServerProcess& s = i == 0 ? *server : *others.at(i - 1);
    return s.client().request("GET", "/v1/gateway/auth", "", {{"X-API-Key", key}}).status;
  }
  // Nothing due is left on the shared database (asked through `s`): no mail waits to be sent
  // and no job that fell due waits to run — what was sent by now is all that will be sent.
  static bool settled(const ServerProcess& s) {
    return s.sql("SELECT count(*) FROM outbox WHERE status IN ('PENDING', 'SENDING')") == "0" &&
           s.sql("SELECT count(*) FROM jobs WHERE status = 'PENDING' AND due_at <= " +
                 std::to_string(nowMs())) == "0";
  }
  // Waits until every instance knows `key` (a new key reaches the others through the change
  // feed, within one poll interval); checks with cost 0, which spends no quota.
  void waitKnownEverywhere(const std::string& key) {
    for (size_t i = 0; i <= others.size(); ++i) {
      const ServerProcess& s = i == 0 ? *server : *others.at(i - 1);
      std::string code;
      for (int n = 0; n < 100 && code != "VALID"; ++n) {
        HttpResponse r =
            s.client().request("POST", "/v1/keys/verify", R"({"key":")" + key + R"(","cost":0})");
        code = r.status == 200 ? r.json()->getValue<std::string>("code") : "";
        if (code != "VALID") std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      CPPUNIT_ASSERT_EQUAL_MESSAGE("instance " + std::to_string(i), std::string("VALID"), code);
    }
  }
  // Milliseconds from `since` until instance `i` accepts (200) or refuses (401/403: revoked
  // and disabled keys are 403) `key`; -1 after 5 s.
  int64_t msUntil(size_t i, const std::string& key, bool accepted, int64_t since) {
    while (nowMs() - since < 5000) {
      int status = gate(i, key);
      if (accepted ? status == 200 : status == 401 || status == 403) return nowMs() - since;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

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

  void revokeDisableAndRotateOnOneAreRefusedByTheOthersWithinOneSecond() {
    startOthers(2);
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    auto id2Key2Pair = newKey();
    [[maybe_unused]] auto& id2 = id2Key2Pair.first;
    [[maybe_unused]] auto& key2 = id2Key2Pair.second;
    waitKnownEverywhere(key);
    waitKnownEverywhere(key2);
    for (size_t i = 0; i < 3; ++i) {
      CPPUNIT_ASSERT_EQUAL(200, gate(i, key));
      CPPUNIT_ASSERT_EQUAL(200, gate(i, key2));
    }
    // Revoked on instance 1: instances 0 and 2 refuse it within a second.
    int64_t t0 = nowMs();
    CPPUNIT_ASSERT_EQUAL(200, on(1, "POST", "/v1/keys/" + id + "/revoke", "{}").status);
    for (size_t i : {0, 2}) {
      int64_t ms = msUntil(i, key, false, t0);
      CPPUNIT_ASSERT_MESSAGE(
          "instance " + std::to_string(i) + " still accepts after " + std::to_string(ms) + " ms",
          ms >= 0 && ms <= 1000);
    }
    // A key disabled on instance 0 (a change of its definition, like a modify) is refused by
    // instance 1 within a second, and accepted again after it is enabled on instance 2.
    t0 = nowMs();
    CPPUNIT_ASSERT_EQUAL(200, on(0, "POST", "/v1/keys/" + id2 + "/disable", "{}").status);
    int64_t off = msUntil(1, key2, false, t0);
    CPPUNIT_ASSERT_MESSAGE("key disable took " + std::to_string(off) + " ms",
                           off >= 0 && off <= 1000);
    t0 = nowMs();
    CPPUNIT_ASSERT_EQUAL(200, on(2, "POST", "/v1/keys/" + id2 + "/enable", "{}").status);
    int64_t on1 = msUntil(1, key2, true, t0);
    CPPUNIT_ASSERT_MESSAGE("key enable took " + std::to_string(on1) + " ms",
                           on1 >= 0 && on1 <= 1000);
    // The client disabled on instance 2: its other key is refused everywhere.
    t0 = nowMs();
    CPPUNIT_ASSERT_EQUAL(200, on(2, "PATCH", "/v1/clients/c1", R"({"active":false})").status);
    for (size_t i : {0, 1}) {
      int64_t ms = msUntil(i, key2, false, t0);
      CPPUNIT_ASSERT_MESSAGE("disable took " + std::to_string(ms) + " ms", ms >= 0 && ms <= 1000);
    }
    CPPUNIT_ASSERT_EQUAL(200, on(0, "PATCH", "/v1/clients/c1", R"({"active":true})").status);
    // Rotated on instance 0 without grace: the old key is refused and the new one accepted by
    // instance 2 within a second.
    for (size_t i : {1, 2}) CPPUNIT_ASSERT(msUntil(i, key2, true, nowMs()) >= 0);
    t0 = nowMs();
    HttpResponse r = on(0, "POST", "/v1/keys/" + id2 + "/rotate", R"({"graceSeconds":0})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    std::string rotated = r.json()->getValue<std::string>("key");
    int64_t old = msUntil(2, key2, false, t0);
    int64_t fresh = msUntil(2, rotated, true, t0);
    CPPUNIT_ASSERT_MESSAGE("old key still accepted", old >= 0 && old <= 1000);
    CPPUNIT_ASSERT_MESSAGE("new key not yet accepted", fresh >= 0 && fresh <= 1000);
  }

  void jobDueWhileOneInstanceIsKilledIsDoneOnceByAnother() {
    startOthers(1);
    CPPUNIT_ASSERT_EQUAL(201, on(0, "POST", "/v1/clients",
                                 R"({"id":"web","name":"Web","contactEmail":"owner@example.com"})")
                                  .status);
    HttpResponse r = on(0, "POST", "/v1/keys",
                        R"({"clientId":"web","name":"short","expiresAt":")" + inSeconds(4) + "\"}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    std::string id = r.json()->getValue<std::string>("id");
    server->kill9();  // the instance that wrote the jobs is gone before they fall due
    smtp->waitFor("owner@example.com", 2, 20);                        // reminder, expired
    CPPUNIT_ASSERT(eventually([&] { return settled(*others[0]); }));  // duplicates sent by now
    CPPUNIT_ASSERT_EQUAL(std::string("EXPIRED"),
                         others[0]->sql("SELECT state FROM api_keys WHERE id = '" + id + "'"));
    CPPUNIT_ASSERT_EQUAL(std::string("1"),
                         others[0]->sql("SELECT count(*) FROM jobs WHERE ref_id = '" + id +
                                        "' AND kind = 'expire-key' AND status = 'DONE'"));
    std::map<std::string, int> subjects;
    for (const auto& m : smtp->messagesTo("owner@example.com")) subjects[m.subject]++;
    for (const auto& [subject, n] : subjects) CPPUNIT_ASSERT_EQUAL_MESSAGE(subject, 1, n);
    CPPUNIT_ASSERT_EQUAL(size_t(2), subjects.size());
  }

  void threeInstancesSendEveryMailOnce() {
    startOthers(2);
    CPPUNIT_ASSERT_EQUAL(201, on(1, "POST", "/v1/clients",
                                 R"({"id":"web","name":"Web","contactEmail":"owner@example.com"})")
                                  .status);
    // 30 keys issued across the three instances, all expiring together: 30 reminders and 30
    // "expired" mails, each sent by whichever instance claims it.
    std::string at = inSeconds(4);
    for (int i = 0; i < 30; ++i) {
      HttpResponse r = on(
          static_cast<size_t>(i % 3), "POST", "/v1/keys",
          R"({"clientId":"web","name":"k)" + std::to_string(i) + R"(","expiresAt":")" + at + "\"}");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    }
    smtp->waitFor("owner@example.com", 60, 30);
    CPPUNIT_ASSERT(eventually([&] { return settled(*server); }));  // duplicates sent by now
    auto all = smtp->messagesTo("owner@example.com");
    std::set<std::string> ids;
    for (const auto& m : all) ids.insert(m.messageId);
    CPPUNIT_ASSERT_EQUAL(size_t(60), all.size());
    CPPUNIT_ASSERT_EQUAL(size_t(60), ids.size());
    CPPUNIT_ASSERT_EQUAL(
        std::string("SENT 60"),
        server->sql("SELECT status || ' ' || count(*) FROM outbox GROUP BY status"));
  }

  // Mail leases are named host:port, and a starting instance releases the leases held under
  // its name: a second live process under the same name (the same port on another local
  // address, which it can bind) would release the first one's leases mid-send. The database
  // refuses it at start-up. (The same address and port is refused earlier: port in use.)
  void aSecondProcessWithTheSameNameIsRefused() {
    auto s = common();
    for (const auto& [k, v] : server->sameDatabase()) s[k] = v;
    s["http.port"] = std::to_string(server->port());
    s["http.address"] = "127.0.0.2";
    ServerProcess twin(s);
    std::string failure;
    try {
      twin.start();  // throws with the log when the process exits at start-up
    } catch (const std::exception& e) {
      failure = e.what();
    }
    CPPUNIT_ASSERT_MESSAGE(failure, failure.find("exited at start-up") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(
        failure, failure.find("another running instance uses the name") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(200, server->client().request("GET", "/healthz").status);
  }

  // Another process holds the client's row locked longer than db.busyTimeout: the change gives
  // up with 503 STORE_BUSY and Retry-After, writes nothing, and succeeds once the lock is gone.
  void aChangeBlockedByAnotherTransactionAnswers503AndWritesNothing() {
    auto s = common();
    for (const auto& [k, v] : server->sameDatabase()) s[k] = v;
    s["db.busyTimeout"] = "500ms";
    others.push_back(std::make_unique<ServerProcess>(s));
    others.back()->start();
    CPPUNIT_ASSERT_EQUAL(201, on(1, "POST", "/v1/clients", R"({"id":"c9","name":"Nine"})").status);
    std::thread holder([&] {
      server->sql(
          "BEGIN; SELECT id FROM clients WHERE id = 'c9' FOR UPDATE; "
          "SELECT pg_sleep(2.5); COMMIT;");
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    HttpResponse busy = on(1, "PATCH", "/v1/clients/c9", R"({"name":"Renamed"})");
    holder.join();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(busy.body, 503, busy.status);
    CPPUNIT_ASSERT_EQUAL(std::string("STORE_BUSY"), busy.errorCode());
    CPPUNIT_ASSERT_EQUAL(std::string("1"), busy.header("Retry-After"));
    CPPUNIT_ASSERT_EQUAL(std::string("Nine"),
                         server->sql("SELECT name FROM clients WHERE id = 'c9'"));
    HttpResponse again = on(1, "PATCH", "/v1/clients/c9", R"({"name":"Renamed"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(again.body, 200, again.status);
    CPPUNIT_ASSERT_EQUAL(std::string("Renamed"),
                         server->sql("SELECT name FROM clients WHERE id = 'c9'"));
  }

  // PostgreSQL restarts or fails over: every connection of the instance is cut. Checks go on
  // from memory; a change that meets a dead connection answers 503 STORE_UNAVAILABLE (never a
  // 500) and the instance opens fresh connections, so the next calls work again.
  void lostDatabaseConnectionsAreReopenedAndChecksNeverStop() {
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT_EQUAL(200, gate(0, key));
    std::string db = PostgresServer::databaseOf(server->dbPath());
    std::string killed = server->sql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" + db +
        "' AND pid <> pg_backend_pid()");
    CPPUNIT_ASSERT_MESSAGE(killed, std::stoi(killed) >= 2);  // writer, readers, name lock
    for (int i = 0; i < 20; ++i) CPPUNIT_ASSERT_EQUAL(200, gate(0, key));
    std::vector<int> statuses;
    int status = 0;
    for (int i = 0; i < 10 && status != 201; ++i) {
      status = admin("POST", "/v1/keys", R"({"clientId":"c1","name":"after"})").status;
      statuses.push_back(status);
    }
    std::string seen;
    for (int s : statuses) seen += std::to_string(s) + " ";
    CPPUNIT_ASSERT_EQUAL_MESSAGE(seen, 201, status);
    for (int s : statuses) CPPUNIT_ASSERT_MESSAGE(seen, s == 201 || s == 503);
    int ready = 0;
    for (int i = 0; i < 10 && ready != 200; ++i)
      ready = server->client().request("GET", "/readyz").status;
    CPPUNIT_ASSERT_EQUAL(200, ready);
    CPPUNIT_ASSERT_EQUAL(200, admin("GET", "/v1/keys/" + id).status);
    CPPUNIT_ASSERT(server->log().find("database connection lost; opened a new one") !=
                   std::string::npos);
  }

  // A modify application approved on instance 0 (an admin decides for the flow's approver).
  void modifyApproved(const std::string& keyId, const std::string& changes) {
    HttpResponse a = as(requester, "POST", "/v1/applications",
                        R"({"kind":"modify","clientId":"held","keyId":")" + keyId +
                            R"(","changes":)" + changes + "}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(a.body, 201, a.status);
    HttpResponse d =
        on(0, "POST", "/v1/applications/" + a.json()->getValue<std::string>("id") + "/decisions",
           R"({"decision":"approve","approver":"owner@example.com"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(d.body, std::string("ISSUED"),
                                 d.json()->getValue<std::string>("state"));
  }
  std::pair<std::string, std::string> heldKey(const std::string& fields) {
    HttpResponse r = on(0, "POST", "/v1/keys", R"({"clientId":"held","name":"k",)" + fields + "}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    return {r.json()->getValue<std::string>("id"), r.json()->getValue<std::string>("key")};
  }
  int64_t remainingOn(size_t i, const std::string& id) {
    HttpResponse r = on(i, "GET", "/v1/keys/" + id);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    return r.json()->getValue<int64_t>("remaining");
  }
  // What instance `i`'s check path holds as `key`'s remaining quota (a check with cost 0,
  // which spends none): it follows a change only once that instance has reloaded the key.
  int64_t remainingCheckedOn(size_t i, const std::string& key) {
    const ServerProcess& s = i == 0 ? *server : *others.at(i - 1);
    HttpResponse r =
        s.client().request("POST", "/v1/keys/verify", R"({"key":")" + key + R"(","cost":0})");
    return r.status == 200 ? r.json()->getValue<int64_t>("remaining") : -2;
  }
  std::string codeOn(size_t i, const std::string& key, const std::string& extra = "") {
    const ServerProcess& s = i == 0 ? *server : *others.at(i - 1);
    HttpResponse r =
        s.client().request("POST", "/v1/keys/verify", R"({"key":")" + key + "\"" + extra + "}");
    return r.status == 200 ? r.json()->getValue<std::string>("code") : std::to_string(r.status);
  }

  // The field report on two instances: both hold leased units when the quota is cut from 1000
  // to 10 on instance 0. Within a poll interval both stop serving them, every instance's GET
  // shows the exact count, and exactly what is left is served across both.
  void quotaCutOnOneInstanceAppliesToUnitsLeasedByTheOthers() {
    startOthers(1);
    requester.clear();
    HttpResponse c =
        on(0, "POST", "/v1/clients",
           R"({"id":"held","name":"Held","clientType":"web","contactEmail":"req@example.com"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 201, c.status);
    requester = token("--role requester --email req@example.com");
    auto idKeyPair = heldKey(R"("quota":1000,"scopes":["orders:read"])");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    waitKnownEverywhere(key);
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
    requester.clear();
    HttpResponse c =
        on(0, "POST", "/v1/clients",
           R"({"id":"held","name":"Held","clientType":"web","contactEmail":"req@example.com"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 201, c.status);
    requester = token("--role requester --email req@example.com");
    auto idKeyPair = heldKey(R"("scopes":["orders:read"],"rateLimit":{"limit":100,"window":"1h"})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    waitKnownEverywhere(key);
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
    requester.clear();
    HttpResponse c =
        on(0, "POST", "/v1/clients",
           R"({"id":"held","name":"Held","clientType":"web","contactEmail":"req@example.com"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 201, c.status);
    requester = token("--role requester --email req@example.com");
    auto idKeyPair = heldKey(R"("quota":3,"scopes":["orders:read","orders:write"])");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    waitKnownEverywhere(key);
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
    HttpResponse c =
        on(0, "POST", "/v1/clients",
           R"({"id":"held","name":"Held","clientType":"web","contactEmail":"req@example.com"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 201, c.status);
    requester = token("--role requester --email req@example.com");
    auto idKeyPair = heldKey(R"("quota":100,"scopes":["orders:read"])");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    waitKnownEverywhere(key);
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

  std::string requester;
  std::unique_ptr<SmtpServer> smtp;
  std::vector<std::unique_ptr<ServerProcess>> others;

  // docs/audit.md: the chain head is locked by each writing transaction until it commits, so
  // audit rows written at once on two instances still form one chain, numbered in commit order.
  void twoInstancesAuditingConcurrentlyKeepOneValidChain() {
    startOthers(1);
    newKey();  // client c1
    std::string before = server->sql("SELECT COUNT(*) FROM audit_log");
    std::atomic<int> made{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t)
      threads.emplace_back([&, t] {
        for (int n = 0; n < 25; ++n) {
          HttpResponse r =
              n % 2 ? on(static_cast<size_t>(t % 2), "POST", "/v1/keys",
                         R"({"clientId":"c1","name":"k)" + std::to_string(t * 100 + n) + "\"}")
                    : on(static_cast<size_t>(t % 2), "POST", "/v1/clients",
                         R"({"id":"c)" + std::to_string(t * 100 + n + 1000) +
                             R"(","name":"C","clientType":"web"})");
          (r.status == 201 ? made : other)++;
        }
      });
    // Tokens made by the CLI (a third process): their transactions share no other lock with
    // the key and client changes (those also take the change feed's sequence row).
    std::atomic<int> tokens{0};
    for (int t = 0; t < 2; ++t)
      threads.emplace_back([&, t] {
        for (int n = 0; n < 15; ++n) {
          std::string out;
          if (server->runCli("token create --role gateway --name g" + std::to_string(t * 100 + n),
                             out) == 0)
            ++tokens;
        }
      });
    for (auto& th : threads) th.join();
    CPPUNIT_ASSERT_EQUAL(0, other.load());
    CPPUNIT_ASSERT_EQUAL(150, made.load());
    CPPUNIT_ASSERT_EQUAL(30, tokens.load());
    std::string out;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 0, server->runCli("audit verify", out));
    int rows = std::stoi(server->sql("SELECT COUNT(*) FROM audit_log"));
    CPPUNIT_ASSERT_EQUAL(std::stoi(before) + 180, rows);
    // One chain: seq 1..rows, each once, and rows from both instances interleaved in it.
    CPPUNIT_ASSERT_EQUAL(
        std::to_string(rows) + "|" + std::to_string(rows) + "|" + std::to_string(rows),
        server->sql("SELECT COUNT(DISTINCT seq), MAX(seq), COUNT(DISTINCT hash)"
                    " FROM audit_log"));
    CPPUNIT_ASSERT_MESSAGE(out,
                           out.find(": " + std::to_string(rows) + " rows") != std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClusterTest);
