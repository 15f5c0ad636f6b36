#include <cppunit/extensions/HelperMacros.h>

#include "api/AcceptLanguage.h"

using keywarden::api::AcceptLanguage;

namespace {
const std::vector<std::string> kOffered = {"en", "zh-TW"};
std::string pick(const std::string& header) {
  return AcceptLanguage::choose(header, kOffered);
}
}  // namespace

// RFC 9110 §12.5.4 weights and RFC 4647 basic filtering against the languages templates/ has.
class AcceptLanguageTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AcceptLanguageTest);
  CPPUNIT_TEST(theHighestWeightedOfferedLanguageWins);
  CPPUNIT_TEST(aPrimaryTagMatchesItsRegionalVariants);
  CPPUNIT_TEST(traditionalChineseSpelledOtherwiseGetsZhTw);
  CPPUNIT_TEST(qZeroRefusesALanguageEvenUnderAStar);
  CPPUNIT_TEST(nothingOfferedOrMalformedAnswersEmpty);
  CPPUNIT_TEST_SUITE_END();

 public:
  void theHighestWeightedOfferedLanguageWins() {
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"), pick("zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7"));
    CPPUNIT_ASSERT_EQUAL(std::string("en"), pick("en;q=0.9, zh-TW;q=0.5"));
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"), pick("en;q=0.5, zh-tw;q=0.8"));  // any case
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"), pick("fr, zh-TW;q=0.1"));        // fr is not offered
    // Equal weights: the header's order.
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"), pick("zh-TW;q=0.5, en;q=0.5"));
    CPPUNIT_ASSERT_EQUAL(std::string("en"), pick("en;q=1.000, zh-TW"));
  }

  void aPrimaryTagMatchesItsRegionalVariants() {
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"), pick("zh"));
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"), pick("ZH, en;q=0.5"));
    // A longer range does not match a shorter tag (basic filtering): the caller's default
    // language (English unless mail.defaultLanguage says otherwise) serves it.
    CPPUNIT_ASSERT_EQUAL(std::string(""), pick("en-GB"));
  }

  void traditionalChineseSpelledOtherwiseGetsZhTw() {
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"), pick("zh-Hant"));
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"), pick("zh-Hant-TW, en;q=0.5"));
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"), pick("zh-HK"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), pick("zh-CN"));  // Simplified: not what we write
  }

  void qZeroRefusesALanguageEvenUnderAStar() {
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"), pick("en;q=0, *"));
    CPPUNIT_ASSERT_EQUAL(std::string("en"), pick("*"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), pick("en;q=0, zh-TW;q=0"));
    CPPUNIT_ASSERT_EQUAL(std::string("en"), pick("zh;q=0, en;q=0.1"));
  }

  void nothingOfferedOrMalformedAnswersEmpty() {
    CPPUNIT_ASSERT_EQUAL(std::string(""), pick(""));
    CPPUNIT_ASSERT_EQUAL(std::string(""), pick("fr-CA, de;q=0.9"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), pick("zh-TW;q=2"));       // weight out of range
    CPPUNIT_ASSERT_EQUAL(std::string(""), pick("zh-TW;q=0.1234"));  // four decimals
    CPPUNIT_ASSERT_EQUAL(std::string(""), pick("zh_TW"));           // not a language range
    CPPUNIT_ASSERT_EQUAL(std::string(""), pick("toolongprimary"));
    CPPUNIT_ASSERT_EQUAL(std::string("en"), pick("<script>, ;;, en;q=0.3"));  // bad ones skipped
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AcceptLanguageTest);
