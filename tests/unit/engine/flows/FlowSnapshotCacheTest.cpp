#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <thread>
#include <vector>

#include "engine/flows/FlowParser.h"
#include "engine/flows/FlowSnapshotCache.h"

using namespace keywarden::engine;

namespace {
std::string flowText(const std::string& id) {
  return R"({"id": ")" + id + R"(", "priority": 1, "match": {}, "levels": [
    {"name": "Lead", "approvers": ["lead@example.com"], "policy": "any"}]})";
}
}  // namespace

// Parsed flow snapshots kept by their text (engine/flows/FlowSnapshotCache).
class FlowSnapshotCacheTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(FlowSnapshotCacheTest);
  CPPUNIT_TEST(eachDistinctTextIsParsedOnce);
  CPPUNIT_TEST(theFlowIsTheParsersAndNamesEachOwner);
  CPPUNIT_TEST(aDamagedTextThrowsNamingTheOwnerEveryTimeAndIsNotKept);
  CPPUNIT_TEST(manyDistinctTextsStayWithinTheCapacity);
  CPPUNIT_TEST(threadsSharingItGetTheSameFlow);
  CPPUNIT_TEST_SUITE_END();

 public:
  void eachDistinctTextIsParsedOnce() {
    FlowSnapshotCache cache;
    for (int i = 0; i < 10; ++i) {
      cache.get(flowText("a"), "APP-" + std::to_string(i));
      cache.get(flowText("b"), "APP-" + std::to_string(i));
    }
    CPPUNIT_ASSERT_EQUAL(uint64_t(2), cache.parses());
    CPPUNIT_ASSERT_EQUAL(size_t(2), cache.size());
  }

  void theFlowIsTheParsersAndNamesEachOwner() {
    FlowSnapshotCache cache;
    Flow direct = FlowParser::parse(flowText("a"), "flow snapshot of APP-1");
    Flow first = cache.get(flowText("a"), "APP-1");
    Flow second = cache.get(flowText("a"), "APP-2");
    CPPUNIT_ASSERT_EQUAL(direct.version, second.version);
    CPPUNIT_ASSERT_EQUAL(direct.id, second.id);
    CPPUNIT_ASSERT_EQUAL(size_t(1), second.levels.size());
    CPPUNIT_ASSERT_EQUAL(std::string("lead@example.com"), second.levels[0].approvers.at(0));
    CPPUNIT_ASSERT_EQUAL(std::string("flow snapshot of APP-1"), first.source);
    CPPUNIT_ASSERT_EQUAL(std::string("flow snapshot of APP-2"), second.source);
  }

  void aDamagedTextThrowsNamingTheOwnerEveryTimeAndIsNotKept() {
    FlowSnapshotCache cache;
    for (const char* owner : {"APP-7", "APP-8"}) {
      try {
        cache.get("{\"id\": ", owner);
        CPPUNIT_FAIL("a damaged snapshot must throw");
      } catch (const FlowError& e) {
        CPPUNIT_ASSERT(std::string(e.what()).find(std::string("flow snapshot of ") + owner) !=
                       std::string::npos);
      }
    }
    CPPUNIT_ASSERT_EQUAL(size_t(0), cache.size());
  }

  void manyDistinctTextsStayWithinTheCapacity() {
    FlowSnapshotCache cache(4);
    for (int i = 0; i < 50; ++i) {
      Flow f = cache.get(flowText("f" + std::to_string(i)), "APP-1");
      CPPUNIT_ASSERT_EQUAL("f" + std::to_string(i), f.id);
      CPPUNIT_ASSERT(cache.size() <= 4);
    }
    uint64_t before = cache.parses();
    cache.get(flowText("f49"), "APP-1");  // among the newest: still kept
    CPPUNIT_ASSERT_EQUAL(before, cache.parses());
    cache.get(flowText("f0"), "APP-1");  // the oldest went first
    CPPUNIT_ASSERT_EQUAL(before + 1, cache.parses());
  }

  void threadsSharingItGetTheSameFlow() {
    FlowSnapshotCache cache(3);
    std::vector<std::thread> threads;
    std::vector<int> wrong(4, 0);
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          std::string id = "t" + std::to_string(i % 5);
          if (cache.get(flowText(id), "APP-" + std::to_string(t)).id != id) ++wrong[t];
        }
      });
    for (auto& th : threads) th.join();
    for (int w : wrong) CPPUNIT_ASSERT_EQUAL(0, w);
    CPPUNIT_ASSERT(cache.size() <= 3);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FlowSnapshotCacheTest);
