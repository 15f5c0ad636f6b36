#include <cppunit/extensions/HelperMacros.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/check/SlotIndex.h"

using namespace keywarden::engine;

// The cache's open-addressing index (issue 14, start-up with a million keys): sized once by
// reserve, a load of that many slots never re-places what it holds — the rebuilds a load
// grown chunk by chunk paid cost about half of KeyCache::loadKeys under perf. `hashOf` is
// called only when the index rebuilds, so counting its calls counts the re-placed slots.
class SlotIndexTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SlotIndexTest);
  CPPUNIT_TEST(aReservedIndexTakesThatManySlotsWithoutRebuilding);
  CPPUNIT_TEST(anUnreservedIndexRebuildsAsItGrows);
  CPPUNIT_TEST(reserveKeepsWhatTheIndexHeld);
  CPPUNIT_TEST_SUITE_END();

  static size_t hashOfSlot(uint32_t s) { return static_cast<size_t>(s) * 0x9E3779B97F4A7C15ull; }

  static size_t fill(SlotIndex& index, uint32_t from, uint32_t to) {
    size_t rehashed = 0;
    auto hashOf = [&](uint32_t s) {
      ++rehashed;
      return hashOfSlot(s);
    };
    for (uint32_t s = from; s < to; ++s) index.insert(hashOfSlot(s), s, hashOf);
    return rehashed;
  }

  static void assertFindsAll(const SlotIndex& index, uint32_t n) {
    for (uint32_t s = 0; s < n; ++s)
      CPPUNIT_ASSERT_EQUAL(s, index.find(hashOfSlot(s), [&](uint32_t c) { return c == s; }));
    CPPUNIT_ASSERT_EQUAL(SlotIndex::kNone,
                         index.find(hashOfSlot(n), [&](uint32_t c) { return c == n; }));
  }

 public:
  void aReservedIndexTakesThatManySlotsWithoutRebuilding() {
    const uint32_t n = 100000;
    SlotIndex index;
    index.reserve(n, hashOfSlot);
    CPPUNIT_ASSERT_EQUAL(size_t(0), fill(index, 0, n));
    CPPUNIT_ASSERT_EQUAL(size_t(n), index.size());
    assertFindsAll(index, n);
  }

  void anUnreservedIndexRebuildsAsItGrows() {
    // The control: without reserve, the same load re-places tens of thousands of slots (43 688
    // for these 100 000).
    const uint32_t n = 100000;
    SlotIndex index;
    const size_t rehashed = fill(index, 0, n);
    CPPUNIT_ASSERT_MESSAGE(std::to_string(rehashed), rehashed > n / 4);
    assertFindsAll(index, n);
  }

  void reserveKeepsWhatTheIndexHeld() {
    SlotIndex index;
    fill(index, 0, 1000);
    size_t rehashed = 0;
    index.reserve(50000, [&](uint32_t s) {
      ++rehashed;
      return hashOfSlot(s);
    });
    CPPUNIT_ASSERT_EQUAL(size_t(1000), rehashed);  // every held slot re-placed once
    CPPUNIT_ASSERT_EQUAL(size_t(0), fill(index, 1000, 50000));
    assertFindsAll(index, 50000);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SlotIndexTest);
