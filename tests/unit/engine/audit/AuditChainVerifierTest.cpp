#include <cppunit/extensions/HelperMacros.h>

#include <vector>

#include "engine/audit/AuditChainVerifier.h"

using namespace keywarden::engine;

namespace {
// A valid chain of `n` rows.
std::vector<ChainedAuditRow> chain(int n) {
  std::vector<ChainedAuditRow> rows;
  std::string prev = AuditChain::genesis();
  for (int i = 1; i <= n; ++i) {
    ChainedAuditRow r;
    r.seq = i;
    r.id = "aud_" + std::to_string(i);
    r.entry = {1764547200000 + i,          "admin", "key.create", "key",
               "key_" + std::to_string(i), "",      "{}"};
    r.prevHash = prev;
    r.hash = AuditChain::hashOf(r);
    prev = r.hash;
    rows.push_back(r);
  }
  return rows;
}

AuditChainVerifier run(const std::vector<ChainedAuditRow>& rows, int64_t headSeq,
                       const std::string& headHash) {
  AuditChainVerifier v;
  for (const auto& r : rows)
    if (!v.add(r)) break;
  v.finish(headSeq, headHash);
  return v;
}
}  // namespace

class AuditChainVerifierTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AuditChainVerifierTest);
  CPPUNIT_TEST(validChainAndEmptyChainHold);
  CPPUNIT_TEST(changedFieldIsAHashMismatchNamingThatRow);
  CPPUNIT_TEST(deletedRowIsMissingNamedByTheRowAfterIt);
  CPPUNIT_TEST(swappedSeqsAreReportedAsReordered);
  CPPUNIT_TEST(rehashedRowWithOldLinkIsABrokenLink);
  CPPUNIT_TEST(duplicateSeqIsReported);
  CPPUNIT_TEST(lastRowDeletedDisagreesWithTheHead);
  CPPUNIT_TEST(unchainedRowsAddedDeletedOrLateAreReported);
  CPPUNIT_TEST_SUITE_END();

 public:
  void validChainAndEmptyChainHold() {
    auto rows = chain(5);
    auto v = run(rows, 5, rows.back().hash);
    CPPUNIT_ASSERT(!v.broken());
    CPPUNIT_ASSERT_EQUAL(int64_t(5), v.rows());
    CPPUNIT_ASSERT(!run({}, 0, AuditChain::genesis()).broken());
  }

  void changedFieldIsAHashMismatchNamingThatRow() {
    auto rows = chain(5);
    rows[2].entry.actor = "someone-else";
    auto v = run(rows, 5, rows.back().hash);
    CPPUNIT_ASSERT(v.broken());
    CPPUNIT_ASSERT(v.broken()->kind == AuditBreak::Kind::HashMismatch);
    CPPUNIT_ASSERT_EQUAL(std::string("aud_3"), v.broken()->id);
    CPPUNIT_ASSERT_EQUAL(int64_t(3), v.broken()->seq);
  }

  void deletedRowIsMissingNamedByTheRowAfterIt() {
    auto rows = chain(5);
    rows.erase(rows.begin() + 1);
    auto v = run(rows, 5, rows.back().hash);
    CPPUNIT_ASSERT(v.broken()->kind == AuditBreak::Kind::Missing);
    CPPUNIT_ASSERT_EQUAL(std::string("aud_3"), v.broken()->id);
    CPPUNIT_ASSERT(v.broken()->message.find("seq 2 absent") != std::string::npos);
  }

  void swappedSeqsAreReportedAsReordered() {
    auto rows = chain(5);
    std::swap(rows[1].seq, rows[2].seq);
    std::swap(rows[1], rows[2]);  // read back in seq order
    auto v = run(rows, 5, rows.back().hash);
    CPPUNIT_ASSERT(v.broken()->kind == AuditBreak::Kind::Reordered);
    CPPUNIT_ASSERT_EQUAL(std::string("aud_3"), v.broken()->id);
    CPPUNIT_ASSERT_EQUAL(int64_t(2), v.broken()->seq);
  }

  void rehashedRowWithOldLinkIsABrokenLink() {
    // Row 3 replaced by one whose own hash holds but that chains to a made-up predecessor.
    auto rows = chain(5);
    rows[2].prevHash = std::string(64, 'a');
    rows[2].hash = AuditChain::hashOf(rows[2]);
    auto v = run(rows, 5, rows.back().hash);
    CPPUNIT_ASSERT(v.broken()->kind == AuditBreak::Kind::BrokenLink);
    CPPUNIT_ASSERT_EQUAL(std::string("aud_3"), v.broken()->id);
  }

  void duplicateSeqIsReported() {
    auto rows = chain(3);
    auto copy = rows[1];
    copy.id = "aud_2b";
    rows.insert(rows.begin() + 2, copy);
    auto v = run(rows, 3, rows.back().hash);
    CPPUNIT_ASSERT(v.broken()->kind == AuditBreak::Kind::Duplicate);
    CPPUNIT_ASSERT_EQUAL(std::string("aud_2b"), v.broken()->id);
  }

  void lastRowDeletedDisagreesWithTheHead() {
    auto rows = chain(5);
    std::string head = rows.back().hash;
    rows.pop_back();
    auto v = run(rows, 5, head);
    CPPUNIT_ASSERT(v.broken()->kind == AuditBreak::Kind::HeadMismatch);
    CPPUNIT_ASSERT_EQUAL(int64_t(5), v.broken()->seq);
    CPPUNIT_ASSERT(v.broken()->message.find("seq 5 absent") != std::string::npos);
  }

  void unchainedRowsAddedDeletedOrLateAreReported() {
    CPPUNIT_ASSERT(AuditChainVerifier().checkUnchained(3, 3, "", 0));
    AuditChainVerifier late;
    CPPUNIT_ASSERT(!late.checkUnchained(3, 3, "aud_x", 99));
    CPPUNIT_ASSERT_EQUAL(std::string("aud_x"), late.broken()->id);
    AuditChainVerifier gone;
    CPPUNIT_ASSERT(!gone.checkUnchained(2, 3, "", 0));
    CPPUNIT_ASSERT(gone.broken()->message.find("deleted") != std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuditChainVerifierTest);
