// engine::BackgroundLoop, the one worker loop of the scheduler, the change follower and the
// usage flusher: when its step runs, what wake() and stop() do.
#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "engine/base/BackgroundLoop.h"

using keywarden::engine::BackgroundLoop;
using Clock = std::chrono::steady_clock;

namespace {

// Waits up to `ms` for `cond`; returns whether it held.
template <typename F>
bool within(int64_t ms, F cond) {
  auto end = Clock::now() + std::chrono::milliseconds(ms);
  while (!cond()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

int64_t msSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

}  // namespace

class BackgroundLoopTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(BackgroundLoopTest);
  CPPUNIT_TEST(stepRunsAtOnceWithoutFirstWaitAndAgainAfterTheDelayItReturns);
  CPPUNIT_TEST(firstWaitComesBeforeTheFirstStep);
  CPPUNIT_TEST(wakeCutsTheSleepShort);
  CPPUNIT_TEST(stopEndsALongSleepAtOnceAndReportsOnlyTheFirstStop);
  CPPUNIT_TEST(stopWithoutStartIsAFirstStop);
  CPPUNIT_TEST_SUITE_END();

 public:
  void stepRunsAtOnceWithoutFirstWaitAndAgainAfterTheDelayItReturns() {
    std::atomic<int> runs{0};
    BackgroundLoop loop("kw-test", 0, [&] {
      ++runs;
      return int64_t(20);
    });
    loop.start();
    CPPUNIT_ASSERT(within(2000, [&] { return runs >= 1; }));
    CPPUNIT_ASSERT(within(2000, [&] { return runs >= 3; }));
    loop.stop();
  }

  void firstWaitComesBeforeTheFirstStep() {
    std::atomic<int> runs{0};
    auto t0 = Clock::now();
    std::atomic<int64_t> firstAt{-1};
    BackgroundLoop loop("kw-test", 150, [&] {
      if (runs++ == 0) firstAt = msSince(t0);
      return int64_t(60000);
    });
    loop.start();
    CPPUNIT_ASSERT(within(5000, [&] { return runs >= 1; }));
    CPPUNIT_ASSERT(firstAt >= 150);
    loop.stop();
  }

  void wakeCutsTheSleepShort() {
    std::atomic<int> runs{0};
    BackgroundLoop loop("kw-test", 0, [&] {
      ++runs;
      return int64_t(60000);
    });
    loop.start();
    CPPUNIT_ASSERT(within(2000, [&] { return runs == 1; }));
    loop.wake();
    CPPUNIT_ASSERT(within(2000, [&] { return runs == 2; }));
    loop.stop();
  }

  void stopEndsALongSleepAtOnceAndReportsOnlyTheFirstStop() {
    std::atomic<int> runs{0};
    BackgroundLoop loop("kw-test", 0, [&] {
      ++runs;
      return int64_t(60000);
    });
    loop.start();
    CPPUNIT_ASSERT(within(2000, [&] { return runs == 1; }));
    auto t0 = Clock::now();
    CPPUNIT_ASSERT(loop.stop());
    CPPUNIT_ASSERT(msSince(t0) < 5000);
    CPPUNIT_ASSERT(!loop.stop());
    CPPUNIT_ASSERT_EQUAL(1, runs.load());
  }

  void stopWithoutStartIsAFirstStop() {
    BackgroundLoop loop("kw-test", 0, [] { return int64_t(1); });
    CPPUNIT_ASSERT(loop.stop());
    CPPUNIT_ASSERT(!loop.stop());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BackgroundLoopTest);
