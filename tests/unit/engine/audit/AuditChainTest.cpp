#include <cppunit/extensions/HelperMacros.h>

#include "engine/audit/AuditChain.h"

using namespace keywarden::engine;

namespace {
ChainedAuditRow sample() {
  ChainedAuditRow r;
  r.seq = 1;
  r.id = "aud_1";
  r.entry = {1764547200000,
             "admin:tok_1",
             "key.create",
             "key",
             "key_1",
             "acme",
             "{\"name\":\"\xc3\xa9\"}"};
  r.prevHash = AuditChain::genesis();
  return r;
}
}  // namespace

class AuditChainTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AuditChainTest);
  CPPUNIT_TEST(genesisIsSixtyFourZeros);
  CPPUNIT_TEST(canonicalEncodingIsLengthPrefixedFieldsInDocumentedOrder);
  CPPUNIT_TEST(hashMatchesAnIndependentSha256OfTheEncoding);
  CPPUNIT_TEST(everyFieldChangesTheHash);
  CPPUNIT_TEST(movingBytesBetweenAdjacentFieldsChangesTheHash);
  CPPUNIT_TEST_SUITE_END();

 public:
  void genesisIsSixtyFourZeros() {
    CPPUNIT_ASSERT_EQUAL(std::string(64, '0'), AuditChain::genesis());
  }

  void canonicalEncodingIsLengthPrefixedFieldsInDocumentedOrder() {
    CPPUNIT_ASSERT_EQUAL(std::string("keywarden-audit-v1\n1:1\n5:aud_1\n13:1764547200000\n"
                                     "11:admin:tok_1\n10:key.create\n3:key\n5:key_1\n4:acme\n"
                                     "13:{\"name\":\"\xc3\xa9\"}\n64:") +
                             std::string(64, '0') + "\n",
                         AuditChain::canonical(sample()));
  }

  void hashMatchesAnIndependentSha256OfTheEncoding() {
    // python3: hashlib.sha256(<the bytes above>).hexdigest()
    CPPUNIT_ASSERT_EQUAL(
        std::string("22c6c5eaeecb8d3e63ac94a6dcb587d42a03e4f259dd338c8d532e7578ba911b"),
        AuditChain::hashOf(sample()));
  }

  void everyFieldChangesTheHash() {
    const std::string base = AuditChain::hashOf(sample());
    std::vector<void (*)(ChainedAuditRow&)> edits = {
        [](ChainedAuditRow& r) { r.seq = 2; },
        [](ChainedAuditRow& r) { r.id = "aud_2"; },
        [](ChainedAuditRow& r) { r.entry.at += 1; },
        [](ChainedAuditRow& r) { r.entry.actor = "admin:tok_2"; },
        [](ChainedAuditRow& r) { r.entry.action = "key.revoke"; },
        [](ChainedAuditRow& r) { r.entry.objectType = "token"; },
        [](ChainedAuditRow& r) { r.entry.objectId = "key_2"; },
        [](ChainedAuditRow& r) { r.entry.tenant = "acmf"; },
        [](ChainedAuditRow& r) { r.entry.detail = "{}"; },
        [](ChainedAuditRow& r) { r.prevHash[63] = '1'; },
    };
    for (size_t i = 0; i < edits.size(); ++i) {
      ChainedAuditRow r = sample();
      edits[i](r);
      CPPUNIT_ASSERT_MESSAGE("field " + std::to_string(i), AuditChain::hashOf(r) != base);
    }
    ChainedAuditRow r = sample();
    r.hash = "anything";  // the row's own hash is not hashed
    CPPUNIT_ASSERT_EQUAL(base, AuditChain::hashOf(r));
  }

  void movingBytesBetweenAdjacentFieldsChangesTheHash() {
    // Without the length prefix "ab"+"c" and "a"+"bc" would encode alike.
    ChainedAuditRow a = sample(), b = sample();
    a.entry.objectType = "ab";
    a.entry.objectId = "c";
    b.entry.objectType = "a";
    b.entry.objectId = "bc";
    CPPUNIT_ASSERT(AuditChain::canonical(a) != AuditChain::canonical(b));
    a.entry.objectType = "key\n5:";
    a.entry.objectId = "x";
    b.entry.objectType = "key";
    b.entry.objectId = "5:x";
    CPPUNIT_ASSERT(AuditChain::hashOf(a) != AuditChain::hashOf(b));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuditChainTest);
