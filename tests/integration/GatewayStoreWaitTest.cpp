// Issue 14: the gateway listener's loop never waits for the database. A check that needs the
// store (here: the first check of a key with a quota leases a block) is answered on a worker
// while the loop goes on answering its other connections; the waiting connection's pipelined
// requests follow its answer, in order. Also: every answer on gateway.port carries an
// X-Request-Id, the caller's when sane, else one made for it.
#include <Poco/Net/Socket.h>
#include <Poco/Timespan.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/integration/Fixture.h"
#include "tests/support/Eventually.h"
#include "tests/support/RawHttp.h"
#include "tests/support/TempDir.h"

using namespace keywarden::test;

namespace {

// Holds the store's write lock from another process until destroyed: SQLite's (BEGIN
// IMMEDIATE in sqlite3) or, on PostgreSQL, an EXCLUSIVE lock on api_keys in psql (which blocks
// the lease's SELECT … FOR UPDATE and its UPDATE, not plain reads).
class StoreLock {
 public:
  StoreLock(const ServerProcess& server, const TempDir& dir) : _out(dir.file("lock.out")) {
    std::string cmd =
        server.postgres()
            ? "psql -X -q -A -t '" + server.dbPath() + "' > " + _out + " 2>&1"
            : "sqlite3 -cmd '.timeout 10000' " + server.dbPath() + " > " + _out + " 2>&1";
    _p = popen(cmd.c_str(), "w");
    if (!_p) throw std::runtime_error("cannot start " + cmd);
    std::string take = server.postgres()
                           ? "BEGIN; LOCK TABLE api_keys IN EXCLUSIVE MODE; SELECT 'locked';\n"
                           : "BEGIN IMMEDIATE; SELECT 'locked';\n";
    std::fputs(take.c_str(), _p);
    std::fflush(_p);
    bool locked = eventually([&] { return contents().find("locked") != std::string::npos; });
    if (!locked) throw std::runtime_error("the store lock was not taken: " + contents());
  }
  ~StoreLock() { release(); }
  void release() {
    if (!_p) return;
    std::fputs("ROLLBACK;\n", _p);
    pclose(_p);
    _p = nullptr;
  }
  std::string contents() const {
    std::ifstream f(_out);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }

 private:
  std::string _out;
  FILE* _p = nullptr;
};

}  // namespace

class GatewayStoreWaitTest : public Fixture {
  CPPUNIT_TEST_SUITE(GatewayStoreWaitTest);
  CPPUNIT_TEST(aCheckWaitingForTheStoreHoldsBackNoOtherConnectionOnItsLoop);
  CPPUNIT_TEST(answersCarryTheCallersSaneRequestIdOrOneMadeForThem);
  CPPUNIT_TEST_SUITE_END();

 public:
  int gwPort = 0;
  TempDir dir{"kwwait"};

  std::map<std::string, std::string> settings() override {
    gwPort = freePort();
    // One loop: every connection below shares it.
    return {{"gateway.port", std::to_string(gwPort)}, {"gateway.loops", "1"}};
  }

  static std::string auth(const std::string& key, const std::string& more = "") {
    return "GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\nX-API-Key: " + key + "\r\n" + more +
           "\r\n";
  }

  void aCheckWaitingForTheStoreHoldsBackNoOtherConnectionOnItsLoop() {
    const std::string limited = newKey(R"({"clientId":"c1","name":"q","quota":1000})").second;
    const std::string plain = newKey(R"({"clientId":"c1","name":"u"})").second;
    CPPUNIT_ASSERT_EQUAL(200, RawHttp::exchange(gwPort, auth(plain), 5000).status);

    RawHttp waiting(gwPort, 20000);
    {
      StoreLock lock(*server, dir);
      // Its first check leases quota from the store, which waits for the lock; the check
      // pipelined behind it on the same connection waits for it.
      waiting.send(auth(limited) + auth(plain));
      for (int i = 0; i < 5; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        HttpResponse r = RawHttp::exchange(gwPort, auth(plain), 3000);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0)
                      .count();
        CPPUNIT_ASSERT_EQUAL_MESSAGE("check " + std::to_string(i) + " while the store is locked",
                                     200, r.status);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(ms) + " ms", ms < 2000);
      }
      // The waiting connection really waits (else this test proves nothing).
      CPPUNIT_ASSERT(
          !waiting.socket().poll(Poco::Timespan(0, 200000), Poco::Net::Socket::SELECT_READ));
    }
    HttpResponse first = waiting.read(), second = waiting.read();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(first.body, 200, first.status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), first.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT_EQUAL(std::string("999"), first.header("X-Keywarden-Remaining"));
    CPPUNIT_ASSERT_EQUAL(200, second.status);
    CPPUNIT_ASSERT_EQUAL(std::string("-1"), second.header("X-Keywarden-Remaining"));
    // Still kept alive, back on the loop.
    waiting.send(auth(limited));
    HttpResponse third = waiting.read();
    CPPUNIT_ASSERT_EQUAL(200, third.status);
    CPPUNIT_ASSERT_EQUAL(std::string("998"), third.header("X-Keywarden-Remaining"));
  }

  void answersCarryTheCallersSaneRequestIdOrOneMadeForThem() {
    const std::string plain = newKey(R"({"clientId":"c1","name":"u"})").second;
    HttpResponse given =
        RawHttp::exchange(gwPort, auth(plain, "X-Request-Id: trace-42.a:b_c\r\n"), 5000);
    CPPUNIT_ASSERT_EQUAL(200, given.status);
    CPPUNIT_ASSERT_EQUAL(std::string("trace-42.a:b_c"), given.header("X-Request-Id"));
    // Not sane (a space, or over 128 characters): replaced, never echoed.
    for (const std::string& bad : {std::string("a b"), std::string(129, 'x'), std::string("")}) {
      HttpResponse r = RawHttp::exchange(
          gwPort, auth("kw_nosuchkey", bad.empty() ? "" : "X-Request-Id: " + bad + "\r\n"), 5000);
      std::string id = r.header("X-Request-Id");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, size_t(16), id.size());
      CPPUNIT_ASSERT(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    }
    // Two made ids differ; verify answers carry one too; http.port does the same.
    std::string a = RawHttp::exchange(gwPort, auth(plain), 5000).header("X-Request-Id");
    std::string b = RawHttp::exchange(gwPort, auth(plain), 5000).header("X-Request-Id");
    CPPUNIT_ASSERT(a != b);
    const std::string body = "{\"key\":\"" + plain + "\"}";
    HttpResponse v = RawHttp::exchange(
        gwPort,
        "POST /v1/keys/verify HTTP/1.1\r\nHost: gw\r\nX-Request-Id: v-1\r\nContent-Type: "
        "application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body,
        5000);
    CPPUNIT_ASSERT_EQUAL(std::string("v-1"), v.header("X-Request-Id"));
    // A framing refusal names its request too (a made id).
    HttpResponse refused = RawHttp::exchange(
        gwPort, "GET /v1/gateway/auth HTTP/1.1\r\nHost: a\r\nHost: b\r\nX-Request-Id: r-1\r\n\r\n",
        5000);
    CPPUNIT_ASSERT_EQUAL(400, refused.status);
    CPPUNIT_ASSERT_EQUAL(size_t(16), refused.header("X-Request-Id").size());
    HttpResponse onHttp =
        RawHttp::exchange(server->port(), auth(plain, "X-Request-Id: trace-42\r\n"), 5000);
    CPPUNIT_ASSERT_EQUAL(std::string("trace-42"), onHttp.header("X-Request-Id"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayStoreWaitTest);
