#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "tests/integration/ClusterFixture.h"
#include "tests/support/PostgresServer.h"

using namespace keywarden::test;

// Several instances on one PostgreSQL database: what one instance changes (keys, clients,
// the audit trail), the others follow; shared work (jobs, mail) is done once; a lost or
// blocked database is survived. Quota and limits across instances: ClusterQuotaTest.
class ClusterTest : public ClusterFixture {
  CPPUNIT_TEST_SUITE(ClusterTest);
  CPPUNIT_TEST(revokeDisableAndRotateOnOneAreRefusedByTheOthersWithinOneSecond);
  CPPUNIT_TEST(jobDueWhileOneInstanceIsKilledIsDoneOnceByAnother);
  CPPUNIT_TEST(threeInstancesSendEveryMailOnce);
  CPPUNIT_TEST(aSecondProcessWithTheSameNameIsRefused);
  CPPUNIT_TEST(aChangeBlockedByAnotherTransactionAnswers503AndWritesNothing);
  CPPUNIT_TEST(lostDatabaseConnectionsAreReopenedAndChecksNeverStop);
  CPPUNIT_TEST(twoInstancesAuditingConcurrentlyKeepOneValidChain);
  CPPUNIT_TEST_SUITE_END();

 public:
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
    // The holder has the row once its session sleeps (the lock is taken before the sleep).
    bool held = eventually([&] {
      return server->sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'") !=
             "0";
    });
    HttpResponse busy = on(1, "PATCH", "/v1/clients/c9", R"({"name":"Renamed"})");
    holder.join();
    CPPUNIT_ASSERT_MESSAGE("the other transaction never held the row", held);
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
