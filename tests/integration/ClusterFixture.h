#pragma once

// Several instances on one PostgreSQL database, each a real `keywarden serve`: the fixture of
// ClusterTest (what one instance changes, the others follow; shared work done once) and
// ClusterQuotaTest (quota and limits across instances). Both suites run in the PostgreSQL pass
// only (CTest leaves them out of the SQLite pass: SQLite is one instance by design).
#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/integration/Fixture.h"
#include "tests/support/SmtpServer.h"

namespace keywarden::test {

class ClusterFixture : public Fixture {
 public:
  // An RFC 3339 time `s` seconds from now (UTC).
  static std::string inSeconds(int s) {
    time_t t = time(nullptr) + s;
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    return buf;
  }
  // A monotonic clock in ms.
  static int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

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
  // Client `held` (contact req@example.com), a requester token for
  // req@example.com, and a key with `fields` that every instance knows; returns {id, key}.
  std::pair<std::string, std::string> heldKeyEverywhere(const std::string& fields) {
    requester.clear();
    HttpResponse c =
        on(0, "POST", "/v1/clients",
           R"({"id":"held","name":"Held","clientType":"web","contactEmail":"req@example.com"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 201, c.status);
    requester = token("--role requester --email req@example.com");
    auto k = heldKey(fields);
    waitKnownEverywhere(k.second);
    return k;
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

 protected:
  std::string requester;
  std::unique_ptr<SmtpServer> smtp;
  std::vector<std::unique_ptr<ServerProcess>> others;
};

}  // namespace keywarden::test
