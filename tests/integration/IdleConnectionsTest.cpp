// Issue 10 §5: a few hundred connections that send nothing (or trickle a header byte by byte)
// must not stop the gate. Each connection holds a Poco thread until its request header is
// complete, so the wait for the header is bounded in total by http.headerTimeout.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "tests/integration/Fixture.h"
#include "tests/support/RawHttp.h"

using namespace keywarden::test;

class IdleConnectionsTest : public Fixture {
  CPPUNIT_TEST_SUITE(IdleConnectionsTest);
  CPPUNIT_TEST(threeHundredIdleSocketsDelayACheckByTheHeaderTimeoutOnly);
  CPPUNIT_TEST(aTricklingHeaderIsCutAfterTheHeaderTimeoutInTotal);
  CPPUNIT_TEST(threeHundredIdleKeptAliveConnectionsDoNotHoldEveryThread);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override { return {{"http.headerTimeout", "1s"}}; }

  static int64_t msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t0)
        .count();
  }

  void threeHundredIdleSocketsDelayACheckByTheHeaderTimeoutOnly() {
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    std::vector<std::unique_ptr<RawHttp>> idle;
    for (int i = 0; i < 300; ++i) idle.push_back(std::make_unique<RawHttp>(server->port(), 100));
    // A few senders that trickle a header one byte at a time, never finishing it.
    std::vector<std::unique_ptr<RawHttp>> trickle;
    for (int i = 0; i < 5; ++i) trickle.push_back(std::make_unique<RawHttp>(server->port(), 100));
    std::atomic<bool> done{false};
    std::thread trickler([&] {
      const std::string head = "GET /v1/gateway/auth HTTP/1.1\r\nHost: x\r\nX-A: ";
      for (size_t i = 0; !done; ++i) {
        for (auto& t : trickle) {
          try {
            t->send(std::string(1, i < head.size() ? head[i] : 'a'));
          } catch (...) {
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
    auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = RawHttp::exchange(
        server->port(),
        "POST /v1/keys/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
            std::to_string(key.size() + 10) + "\r\n\r\n{\"key\":\"" + key + "\"}",
        15000);
    int64_t ms = msSince(t0);
    done = true;
    trickler.join();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), r.json()->getValue<std::string>("code"));
    // 300 idle sockets hold all 256 request threads for http.headerTimeout (1 s) and queue the
    // rest: the check waits about two rounds of that. It waited 60 s (Poco's default) before.
    CPPUNIT_ASSERT_MESSAGE(std::to_string(ms) + " ms", ms < 5000);
  }

  // POST /v1/keys/verify for `key` on a fresh connection; the time to its answer in `ms`.
  HttpResponse timedCheck(const std::string& key, int64_t& ms) {
    auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = RawHttp::exchange(
        server->port(),
        "POST /v1/keys/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
            std::to_string(key.size() + 10) + "\r\n\r\n{\"key\":\"" + key + "\"}",
        15000);
    ms = msSince(t0);
    return r;
  }

  void threeHundredIdleKeptAliveConnectionsDoNotHoldEveryThread() {
    // Each connection sends one good request, reads the answer and keeps the connection open:
    // http.keepAliveTimeout (10 s by default) would let them hold all 256 threads.
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    std::vector<std::unique_ptr<RawHttp>> kept;
    for (int i = 0; i < 300; ++i) {
      kept.push_back(std::make_unique<RawHttp>(server->port(), 100));
      kept.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    // The sleep is what is tested: the connections stay idle past http.headerTimeout (1 s)
    // before the check, holding whatever threads they hold.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    int64_t ms = 0;
    HttpResponse r = timedCheck(key, ms);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), r.json()->getValue<std::string>("code"));
    CPPUNIT_ASSERT_MESSAGE(std::to_string(ms) + " ms", ms < 3000);
  }

  void aTricklingHeaderIsCutAfterTheHeaderTimeoutInTotal() {
    RawHttp c(server->port(), 100);
    const std::string head = "GET /v1/gateway/auth HTTP/1.1\r\nHost: x\r\nX-A: ";
    auto t0 = std::chrono::steady_clock::now();
    HttpResponse r;
    // One byte every 100 ms: each read is well within the per-read timeout, the whole is not.
    for (size_t i = 0; msSince(t0) < 6000; ++i) {
      try {
        c.send(std::string(1, i < head.size() ? head[i] : 'a'));
      } catch (...) {
        break;  // the server has closed
      }
      r = c.read();  // waits 100 ms at most
      if (r.status != 0) break;
    }
    int64_t ms = msSince(t0);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(ms) + " ms", 408, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("REQUEST_TIMEOUT"), r.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT_MESSAGE(std::to_string(ms) + " ms", ms >= 900 && ms < 3000);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(IdleConnectionsTest);
