#include <cppunit/extensions/HelperMacros.h>

#include <set>

#include "engine/crypto/Checksum.h"
#include "engine/crypto/KeyCodec.h"
#include "engine/crypto/KeyDigest.h"

using namespace keywarden::engine;

class KeyCodecTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(KeyCodecTest);
  CPPUNIT_TEST(mintedKeyHasPrefixPayloadAndChecksum);
  CPPUNIT_TEST(mintedKeysAreDistinct);
  CPPUNIT_TEST(anyAlteredCharacterFailsTheChecksum);
  CPPUNIT_TEST(wrongShapesAreNotWellFormed);
  CPPUNIT_TEST(crc32MatchesTheStandardCheckValue);
  CPPUNIT_TEST(digestRoundTripsThroughHex);
  CPPUNIT_TEST_SUITE_END();

 public:
  void mintedKeyHasPrefixPayloadAndChecksum() {
    MintedKey m = KeyCodec::mint("kw");
    CPPUNIT_ASSERT_EQUAL(size_t(2 + 1 + 43 + 6), m.plaintext.size());
    CPPUNIT_ASSERT_EQUAL(std::string("kw_"), m.plaintext.substr(0, 3));
    CPPUNIT_ASSERT(KeyCodec::wellFormed(m.plaintext));
    CPPUNIT_ASSERT_EQUAL(m.plaintext.substr(0, 7), m.start);
    CPPUNIT_ASSERT(m.digest == KeyDigest::of(m.plaintext));
    std::string payload = m.plaintext.substr(3);
    CPPUNIT_ASSERT_EQUAL(Checksum::base62Of(Checksum::crc32(payload.substr(0, 43))),
                         payload.substr(43));
  }

  void mintedKeysAreDistinct() {
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) seen.insert(KeyCodec::mint("kw").plaintext);
    CPPUNIT_ASSERT_EQUAL(size_t(2000), seen.size());
  }

  void anyAlteredCharacterFailsTheChecksum() {
    std::string key = KeyCodec::mint("acme").plaintext;
    for (size_t i = 5; i < key.size(); ++i) {
      std::string bad = key;
      bad[i] = bad[i] == 'a' ? 'b' : 'a';
      CPPUNIT_ASSERT_MESSAGE("position " + std::to_string(i), !KeyCodec::wellFormed(bad));
    }
  }

  void wrongShapesAreNotWellFormed() {
    std::string key = KeyCodec::mint("kw").plaintext;
    CPPUNIT_ASSERT(!KeyCodec::wellFormed(""));
    CPPUNIT_ASSERT(!KeyCodec::wellFormed("kw_"));
    CPPUNIT_ASSERT(!KeyCodec::wellFormed(key.substr(0, key.size() - 1)));  // one character short
    CPPUNIT_ASSERT(!KeyCodec::wellFormed(key + "x"));
    CPPUNIT_ASSERT(!KeyCodec::wellFormed("KW" + key.substr(2)));   // upper-case prefix
    CPPUNIT_ASSERT(!KeyCodec::wellFormed("kw-" + key.substr(3)));  // no underscore
    CPPUNIT_ASSERT(!KeyCodec::wellFormed(key.substr(3)));          // no prefix at all
    std::string spaced = key;
    spaced[10] = ' ';
    CPPUNIT_ASSERT(!KeyCodec::wellFormed(spaced));
    CPPUNIT_ASSERT(KeyCodec::isValidPrefix("kw"));
    CPPUNIT_ASSERT(!KeyCodec::isValidPrefix("Kw"));
    CPPUNIT_ASSERT(!KeyCodec::isValidPrefix("a_b"));
    CPPUNIT_ASSERT(!KeyCodec::isValidPrefix("abcdefghijklmnopq"));
  }

  void crc32MatchesTheStandardCheckValue() {
    CPPUNIT_ASSERT_EQUAL(0xCBF43926u, Checksum::crc32("123456789"));
    CPPUNIT_ASSERT_EQUAL(std::string("000000"), Checksum::base62Of(0));
    CPPUNIT_ASSERT_EQUAL(std::string("4gfFC3"), Checksum::base62Of(0xFFFFFFFFu));
  }

  void digestRoundTripsThroughHex() {
    KeyDigest d = KeyDigest::of("abc");
    CPPUNIT_ASSERT_EQUAL(
        std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), d.hex());
    KeyDigest back;
    CPPUNIT_ASSERT(KeyDigest::fromHex(d.hex(), back));
    CPPUNIT_ASSERT(back == d);
    CPPUNIT_ASSERT(!KeyDigest::fromHex("zz", back));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(KeyCodecTest);
