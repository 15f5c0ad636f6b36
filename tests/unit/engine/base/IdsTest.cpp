#include <cppunit/extensions/HelperMacros.h>

#include <cctype>
#include <chrono>
#include <set>
#include <thread>

#include "engine/base/Ids.h"

using namespace keywarden::engine;

class IdsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(IdsTest);
  CPPUNIT_TEST(generatedIdsHaveKindTimeAndRandomPart);
  CPPUNIT_TEST(idsMadeLaterSortAfter);
  CPPUNIT_TEST(idsInOneMillisecondAreDistinct);
  CPPUNIT_TEST(idsMadeInTheSameMillisecondSortInCreationOrder);
  CPPUNIT_TEST(callerChosenIdsAreChecked);
  CPPUNIT_TEST_SUITE_END();

 public:
  void generatedIdsHaveKindTimeAndRandomPart() {
    std::string id = Ids::make("aud");
    CPPUNIT_ASSERT_EQUAL(size_t(4 + 20), id.size());
    CPPUNIT_ASSERT_EQUAL(std::string("aud_"), id.substr(0, 4));
    CPPUNIT_ASSERT(Ids::valid(id));
    for (char c : id.substr(4)) CPPUNIT_ASSERT(std::isalnum(static_cast<unsigned char>(c)));
  }

  void idsMadeLaterSortAfter() {
    // The 8-digit prefix is the creation millisecond: ids sort by time across a millisecond
    // boundary, whatever their random parts.
    std::string prev = Ids::make("job");
    for (int i = 0; i < 5; ++i) {
      // The sleep is what is tested: an id made later in time sorts after.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::string next = Ids::make("job");
      CPPUNIT_ASSERT_MESSAGE(prev + " < " + next, prev.substr(4, 8) < next.substr(4, 8));
      CPPUNIT_ASSERT(prev < next);
      prev = next;
    }
  }

  void idsInOneMillisecondAreDistinct() {
    std::set<std::string> seen;
    for (int i = 0; i < 20000; ++i) seen.insert(Ids::make("aud"));
    CPPUNIT_ASSERT_EQUAL(size_t(20000), seen.size());
  }

  void idsMadeInTheSameMillisecondSortInCreationOrder() {
    // PortalServiceTest listed two sign-in mails made in one millisecond (same created_at, so
    // ordered by id) in either order; so would every list ordered by (created_at, id).
    std::string prev = Ids::make("mail");
    for (int i = 0; i < 20000; ++i) {
      std::string next = Ids::make("mail");
      CPPUNIT_ASSERT_MESSAGE(prev + " < " + next, prev < next);
      CPPUNIT_ASSERT_EQUAL(prev.size(), next.size());
      prev = next;
    }
  }

  void callerChosenIdsAreChecked() {
    CPPUNIT_ASSERT(Ids::valid("orders-api.v2:eu_1"));
    CPPUNIT_ASSERT(!Ids::valid(""));
    CPPUNIT_ASSERT(!Ids::valid(std::string(65, 'a')));
    CPPUNIT_ASSERT(!Ids::valid("a b"));
    CPPUNIT_ASSERT(!Ids::valid("a/b"));
    CPPUNIT_ASSERT(Ids::validTenant("acme-eu_1"));
    CPPUNIT_ASSERT(!Ids::validTenant("Acme"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(IdsTest);
