// engine::AttemptTable, the brute-force defence's counters: thresholds, fixed windows, block
// expiry, one episode per block, and the fixed bound under a flood of new keys.
#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "engine/abuse/AbuseGuard.h"
#include "engine/abuse/AttemptTable.h"
#include "engine/base/ManualClock.h"

// Counts this thread's allocations while `countAllocations` is set (the check path's counting
// must not allocate). Replaces the global operator new for the unit-test binary; it only counts.
namespace {
thread_local bool countAllocations = false;
thread_local size_t allocations = 0;
}  // namespace
// ThreadSanitizer's runtime defines the global operator new itself (make test-tsan): there the
// count stays 0 and only the other builds check it.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KW_TSAN_OWNS_NEW 1
#endif
#endif
#ifndef KW_TSAN_OWNS_NEW
void* operator new(std::size_t n) {
  if (countAllocations) ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
// The nothrow pair too (std::stable_sort's buffer): left to the runtime, its memory would be
// freed by the replaced delete above, a mismatch AddressSanitizer reports.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (countAllocations) ++allocations;
  return std::malloc(n ? n : 1);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
#endif

using keywarden::engine::AttemptKey;
using keywarden::engine::AttemptTable;

namespace {
constexpr int64_t kT0 = 1'800'000'000'000;  // a window boundary (divisible by 60 000)
AttemptTable::Limits limits(int failures, int64_t windowMs = 60000, int64_t blockMs = 300000) {
  return {failures, windowMs, blockMs};
}
AttemptKey key(const std::string& s) {
  return AttemptKey(s);
}
}  // namespace

class AttemptTableTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AttemptTableTest);
  CPPUNIT_TEST(blockStartsAtTheThresholdAndOnlyOnce);
  CPPUNIT_TEST(failuresInAnEndedWindowDoNotCount);
  CPPUNIT_TEST(blockEndsAfterBlockForAndCountingStartsAgain);
  CPPUNIT_TEST(zeroFailuresCountsButNeverBlocks);
  CPPUNIT_TEST(keysAreCountedApart);
  CPPUNIT_TEST(refusalsWhileBlockedAreCounted);
  CPPUNIT_TEST(floodOfNewKeysStaysInTheFixedTableAndKeepsTheBlockedAndTheBusy);
  CPPUNIT_TEST(everyCandidateBlockedLeavesANewKeyUntracked);
  CPPUNIT_TEST(parallelFailuresOfOneKeyAreAllCountedAndStartOneEpisode);
  CPPUNIT_TEST(keyStartIsReadOnlyFromKeyShapedText);
  CPPUNIT_TEST(countingAndAskingAllocateNothing);
  CPPUNIT_TEST_SUITE_END();

 public:
  void blockStartsAtTheThresholdAndOnlyOnce() {
    AttemptTable t(1024, limits(3));
    auto a = key("203.0.113.7");
    CPPUNIT_ASSERT(!t.fail(a, kT0).blockStarted);
    CPPUNIT_ASSERT(!t.fail(a, kT0 + 1).blockStarted);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), t.blockedUntil(a, kT0 + 2));
    auto third = t.fail(a, kT0 + 2);
    CPPUNIT_ASSERT(third.blockStarted);
    CPPUNIT_ASSERT_EQUAL(3, third.inWindow);
    CPPUNIT_ASSERT_EQUAL(kT0 + 2 + 300000, third.blockedUntil);
    CPPUNIT_ASSERT_EQUAL(kT0 + 2 + 300000, t.blockedUntil(a, kT0 + 3));
    auto fourth = t.fail(a, kT0 + 4);
    CPPUNIT_ASSERT(!fourth.blockStarted);  // the same episode
    CPPUNIT_ASSERT_EQUAL(kT0 + 2 + 300000, fourth.blockedUntil);
  }

  void failuresInAnEndedWindowDoNotCount() {
    AttemptTable t(1024, limits(3));
    auto a = key("203.0.113.7");
    t.fail(a, kT0 + 59000);
    t.fail(a, kT0 + 59999);
    CPPUNIT_ASSERT_EQUAL(2, t.inWindow(a, kT0 + 59999));
    auto next = t.fail(a, kT0 + 60000);  // a new window
    CPPUNIT_ASSERT_EQUAL(1, next.inWindow);
    CPPUNIT_ASSERT(!next.blockStarted);
    CPPUNIT_ASSERT_EQUAL(0, t.inWindow(a, kT0 + 120000));
  }

  void blockEndsAfterBlockForAndCountingStartsAgain() {
    AttemptTable t(1024, limits(2, 60000, 90000));
    auto a = key("198.51.100.1");
    t.fail(a, kT0);
    CPPUNIT_ASSERT(t.fail(a, kT0 + 10).blockStarted);
    CPPUNIT_ASSERT(t.blockedUntil(a, kT0 + 90009) != 0);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), t.blockedUntil(a, kT0 + 90010));
    CPPUNIT_ASSERT(!t.fail(a, kT0 + 120000).blockStarted);
    auto again = t.fail(a, kT0 + 120001);
    CPPUNIT_ASSERT(again.blockStarted);  // a second episode
    CPPUNIT_ASSERT_EQUAL(kT0 + 120001 + 90000, again.blockedUntil);
    auto rows = t.entries(kT0 + 120002);
    CPPUNIT_ASSERT_EQUAL(size_t(1), rows.size());
    CPPUNIT_ASSERT_EQUAL(uint64_t(4), rows[0].failures);
    CPPUNIT_ASSERT_EQUAL(kT0, rows[0].firstSeen);
    CPPUNIT_ASSERT_EQUAL(kT0 + 120001, rows[0].lastSeen);
  }

  void zeroFailuresCountsButNeverBlocks() {
    AttemptTable t(1024, limits(0));
    auto a = key("198.51.100.1");
    for (int i = 0; i < 100; ++i) CPPUNIT_ASSERT(!t.fail(a, kT0 + i).blockStarted);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), t.blockedUntil(a, kT0 + 100));
    CPPUNIT_ASSERT_EQUAL(100, t.inWindow(a, kT0 + 100));
  }

  void keysAreCountedApart() {
    AttemptTable t(1024, limits(2));
    t.fail(key("192.0.2.1"), kT0);
    t.fail(key("192.0.2.1"), kT0);
    t.fail(key("192.0.2.2"), kT0);
    CPPUNIT_ASSERT(t.blockedUntil(key("192.0.2.1"), kT0) != 0);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), t.blockedUntil(key("192.0.2.2"), kT0));
    CPPUNIT_ASSERT_EQUAL(int64_t(0), t.blockedUntil(key("192.0.2.3"), kT0));
    CPPUNIT_ASSERT_EQUAL(size_t(2), t.entries(kT0).size());
  }

  void refusalsWhileBlockedAreCounted() {
    AttemptTable t(1024, limits(1));
    auto a = key("192.0.2.9");
    t.fail(a, kT0);
    for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT(t.blockedUntil(a, kT0 + 100 + i, true) != 0);
    CPPUNIT_ASSERT(t.blockedUntil(a, kT0 + 200, false) != 0);  // a look only
    auto rows = t.entries(kT0 + 300);
    CPPUNIT_ASSERT_EQUAL(uint64_t(5), rows[0].refused);
    CPPUNIT_ASSERT_EQUAL(kT0 + 104, rows[0].lastSeen);
  }

  void floodOfNewKeysStaysInTheFixedTableAndKeepsTheBlockedAndTheBusy() {
    AttemptTable t(4096, limits(5));
    const size_t bytes = t.bytes();
    auto blocked = key("203.0.113.66"), busy = key("203.0.113.77");
    for (int i = 0; i < 5; ++i) t.fail(blocked, kT0);
    for (int i = 0; i < 3; ++i) t.fail(busy, kT0);
    // 200 000 random sources, one failure each, within the same window.
    for (int i = 0; i < 200000; ++i) {
      std::string a = "10." + std::to_string((i >> 16) & 255) + "." +
                      std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255);
      t.fail(key(a), kT0 + 1 + i / 10);
      if (i % 1000 == 0) t.fail(busy, kT0 + 1 + i / 10);  // still failing now and then
    }
    CPPUNIT_ASSERT_EQUAL(bytes, t.bytes());
    CPPUNIT_ASSERT_EQUAL(size_t(4096), t.slots());
    CPPUNIT_ASSERT(t.entries(kT0 + 20000).size() <= 4096);
    CPPUNIT_ASSERT(t.blockedUntil(blocked, kT0 + 20001) != 0);  // never evicted while blocked
    CPPUNIT_ASSERT(t.inWindow(busy, kT0 + 20001) >= 3);         // many failures outrank one
    CPPUNIT_ASSERT(t.fail(busy, kT0 + 20002).blockStarted || t.inWindow(busy, kT0 + 20002) >= 4);
  }

  void everyCandidateBlockedLeavesANewKeyUntracked() {
    AttemptTable t(8, limits(1));  // one probe window: 8 slots
    for (int i = 0; i < 8; ++i) t.fail(key("192.0.2." + std::to_string(i)), kT0);
    CPPUNIT_ASSERT_EQUAL(uint64_t(0), t.untracked());
    auto c = t.fail(key("192.0.2.200"), kT0);
    CPPUNIT_ASSERT(!c.tracked);
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), t.untracked());
    // Once the blocks end, the slots can be taken again.
    CPPUNIT_ASSERT(t.fail(key("192.0.2.200"), kT0 + 300001).tracked);
  }

  void parallelFailuresOfOneKeyAreAllCountedAndStartOneEpisode() {
    AttemptTable t(1024, limits(1000));
    std::atomic<int> episodes{0};
    std::vector<std::thread> threads;
    for (int n = 0; n < 8; ++n)
      threads.emplace_back([&] {
        for (int i = 0; i < 500; ++i)
          if (t.fail(key("192.0.2.50"), kT0 + 5).blockStarted) episodes.fetch_add(1);
      });
    for (auto& th : threads) th.join();
    CPPUNIT_ASSERT_EQUAL(4000, t.inWindow(key("192.0.2.50"), kT0 + 5));
    CPPUNIT_ASSERT_EQUAL(1, episodes.load());
  }

  void countingAndAskingAllocateNothing() {
    keywarden::engine::ManualClock clock(kT0);
    keywarden::engine::AbuseSettings settings;
    settings.source = limits(1000000);  // no episode (its audit row is allowed to allocate)
    settings.prefix = limits(1000000);
    settings.slots = 4096;
    keywarden::engine::AbuseGuard guard(nullptr, clock, settings);
    std::vector<AttemptKey> sources;
    for (int i = 0; i < 20000; ++i)
      sources.emplace_back("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256));
    AttemptKey start("kw_AbCd");
    allocations = 0;
    countAllocations = true;
    for (int i = 0; i < 20000; ++i) {  // new sources (claims and evictions) and known ones
      guard.beforeCheck(&sources[i], &start, kT0 + i);
      guard.checkFailed(&sources[i], &start, kT0 + i);
      guard.beforeCheck(&sources[i / 2], &start, kT0 + i);
      AttemptKey k;
      AttemptKey::startOf("kw_Zz09abcdef", k);
    }
    countAllocations = false;
    CPPUNIT_ASSERT_EQUAL(size_t(0), allocations);
  }

  void keyStartIsReadOnlyFromKeyShapedText() {
    AttemptKey k;
    CPPUNIT_ASSERT(AttemptKey::startOf("kw_AbCdefghijklmnop", k));
    CPPUNIT_ASSERT_EQUAL(std::string("kw_AbCd"), std::string(k.view()));
    CPPUNIT_ASSERT(AttemptKey::startOf("acme2_Zz09", k));
    CPPUNIT_ASSERT_EQUAL(std::string("acme2_Zz09"), std::string(k.view()));
    CPPUNIT_ASSERT(!AttemptKey::startOf("kw_Ab", k));
    CPPUNIT_ASSERT(!AttemptKey::startOf("KW_AbCdef", k));
    CPPUNIT_ASSERT(!AttemptKey::startOf("kw_Ab-def", k));
    CPPUNIT_ASSERT(!AttemptKey::startOf("_AbCdef", k));
    CPPUNIT_ASSERT(!AttemptKey::startOf("abcdefghijklmnopq_AbCdef", k));  // prefix over 16
    CPPUNIT_ASSERT(!AttemptKey::startOf("", k));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AttemptTableTest);
