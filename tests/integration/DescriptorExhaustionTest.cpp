// When the process runs out of file descriptors, accept() fails with EMFILE while the pending
// connection stays in the backlog: a listener that keeps watching the (still readable) socket
// spins on accept and delays every check. Both listeners stop accepting for a moment instead
// (as nginx and libuv do), count it in keywarden_accept_pauses_total, and answer again once
// descriptors are free. The server's CPU time is read from /proc (a resource count).
// Not run on a sanitizer build (ASan or TSan, `make test-asan`/`test-tsan`): out of descriptors,
// the sanitizer runtime cannot make the pipe it probes memory with (IsAccessibleMemoryRange), so
// UBSan's vptr check reports a false "invalid vptr" on the first Poco::Data row read and halts the
// server.
#include <sys/resource.h>
#include <unistd.h>
#include <cstdio>

#include <dirent.h>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/integration/Fixture.h"
#include "tests/support/RawHttp.h"

using namespace keywarden::test;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitizedBuild = true;
#else
constexpr bool kSanitizedBuild = false;
#endif
#else
constexpr bool kSanitizedBuild = false;
#endif

class DescriptorExhaustionTest : public Fixture {
  CPPUNIT_TEST_SUITE(DescriptorExhaustionTest);
  CPPUNIT_TEST(gatewayPortOutOfDescriptorsDoesNotSpinAndAnswersAfter);
  CPPUNIT_TEST(httpPortOutOfDescriptorsDoesNotSpinAndAnswersAfter);
  CPPUNIT_TEST_SUITE_END();

 public:
  static constexpr bool sanitized = kSanitizedBuild;
  int gwPort = 0;
  std::string key;
  rlimit original{};  // the server's RLIMIT_NOFILE before the test tightened it
  rlim_t tightLimit = 0;

  std::map<std::string, std::string> settings() override {
    gwPort = freePort();
    // Idle connections stay open for the whole test.
    return {{"gateway.port", std::to_string(gwPort)}, {"http.headerTimeout", "30s"}};
  }

  void setUp() override {
    Fixture::setUp();
    key = keyForOneApi();
  }

  // utime + stime of the server process, in clock ticks.
  long cpuTicks() {
    std::ifstream in("/proc/" + std::to_string(server->pid()) + "/stat");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream rest(all.substr(all.rfind(')') + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 3.. after "pid (comm)"
      if (i == 14) utime = std::stol(field);
      if (i == 15) stime = std::stol(field);
    }
    return utime + stime;
  }

  int openDescriptors() {
    int n = 0;
    DIR* d = opendir(("/proc/" + std::to_string(server->pid()) + "/fd").c_str());
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
    return n;
  }

  // Leaves the server a few descriptors, opens more idle connections to `port` than that, and
  // returns the server's CPU ticks over the next 2 s; `idle` keeps the connections.
  long ticksWhileOutOfDescriptors(int port, std::vector<std::unique_ptr<RawHttp>>& idle) {
    if (sanitized) return 0;
    CPPUNIT_ASSERT_EQUAL(0, prlimit(server->pid(), RLIMIT_NOFILE, nullptr, &original));
    tightLimit = static_cast<rlim_t>(openDescriptors() + 8);
    rlimit tight{tightLimit, original.rlim_max};
    CPPUNIT_ASSERT_EQUAL(0, prlimit(server->pid(), RLIMIT_NOFILE, &tight, nullptr));
    for (int i = 0; i < 40; ++i) idle.push_back(std::make_unique<RawHttp>(port, 200));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // accepted what it could
    long before = cpuTicks();
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the span whose CPU time is counted
    return cpuTicks() - before;
  }

  void assertPausedAndAnswering(long ticks, int port, const std::string& label) {
    if (sanitized) {
      std::fprintf(stderr, "(%s.port case skipped on a sanitizer build: see the file's head) ",
                   label.c_str());
      return;
    }
    long hz = sysconf(_SC_CLK_TCK);
    // Spinning on accept took about one CPU-second per loop in these 2 s; paused, a few ticks.
    CPPUNIT_ASSERT_MESSAGE(std::to_string(ticks) + " ticks of " + std::to_string(hz) + "/s",
                           ticks < hz / 4);
    // The closed connections free their descriptors once the server has read their ends (a
    // loaded machine may take a moment): wait for that, then check under the same tight limit.
    for (int i = 0; i < 100 && openDescriptors() + 4 > static_cast<int>(tightLimit); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    HttpResponse r = RawHttp::exchange(
        port,
        "POST /v1/keys/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
            std::to_string(key.size() + 10) + "\r\n\r\n{\"key\":\"" + key + "\"}",
        10000);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), r.json()->getValue<std::string>("code"));
    CPPUNIT_ASSERT_EQUAL(0, prlimit(server->pid(), RLIMIT_NOFILE, &original, nullptr));
    std::string metrics = server->client().request("GET", "/metrics").body;
    std::string line = "keywarden_accept_pauses_total{port=\"" + label + "\"} ";
    size_t at = metrics.find(line);
    CPPUNIT_ASSERT_MESSAGE(metrics, at != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(metrics.substr(at, 60), std::stol(metrics.substr(at + line.size())) > 0);
    CPPUNIT_ASSERT_MESSAGE(server->log(),
                           server->log().find(label + ".port: cannot accept a "
                                                      "connection") != std::string::npos);
  }

  void gatewayPortOutOfDescriptorsDoesNotSpinAndAnswersAfter() {
    std::vector<std::unique_ptr<RawHttp>> idle;
    long ticks = ticksWhileOutOfDescriptors(gwPort, idle);
    idle.clear();  // the server sees them close and frees their descriptors
    assertPausedAndAnswering(ticks, gwPort, "gateway");
  }

  void httpPortOutOfDescriptorsDoesNotSpinAndAnswersAfter() {
    std::vector<std::unique_ptr<RawHttp>> idle;
    long ticks = ticksWhileOutOfDescriptors(server->port(), idle);
    idle.clear();
    assertPausedAndAnswering(ticks, server->port(), "http");
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DescriptorExhaustionTest);
