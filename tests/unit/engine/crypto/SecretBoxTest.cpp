#include <cppunit/extensions/HelperMacros.h>

#include "engine/crypto/SecretBox.h"

using keywarden::engine::SecretBox;

class SecretBoxTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SecretBoxTest);
  CPPUNIT_TEST(sealedValueOpensOnlyUnderTheSameSecretAndPurpose);
  CPPUNIT_TEST(tamperingIsDetected);
  CPPUNIT_TEST_SUITE_END();

 public:
  void sealedValueOpensOnlyUnderTheSameSecretAndPurpose() {
    SecretBox box("0123456789abcdef0123456789abcdef", "key-delivery");
    std::string sealed = box.seal("kw_secretvalue");
    CPPUNIT_ASSERT(sealed.find("secretvalue") == std::string::npos);
    CPPUNIT_ASSERT(sealed != box.seal("kw_secretvalue"));  // a fresh nonce each time
    CPPUNIT_ASSERT_EQUAL(std::string("kw_secretvalue"), *box.open(sealed));
    CPPUNIT_ASSERT(!SecretBox("0123456789abcdef0123456789abcdeX", "key-delivery").open(sealed));
    CPPUNIT_ASSERT(!SecretBox("0123456789abcdef0123456789abcdef", "links").open(sealed));
  }

  void tamperingIsDetected() {
    SecretBox box("0123456789abcdef0123456789abcdef", "key-delivery");
    std::string sealed = box.seal("hello");
    for (size_t i : {size_t(0), size_t(30), sealed.size() - 1}) {
      std::string bad = sealed;
      bad[i] = bad[i] == '0' ? '1' : '0';
      CPPUNIT_ASSERT(!box.open(bad));
    }
    CPPUNIT_ASSERT(!box.open(sealed.substr(0, 20)));
    CPPUNIT_ASSERT(!box.open("zz"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SecretBoxTest);
