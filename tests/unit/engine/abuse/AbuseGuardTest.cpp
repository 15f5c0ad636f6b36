// engine::AbuseGuard: what is refused before a check (a blocked client address; a blocked key
// start only for callers that failed themselves), link failures, one audit row per episode
// written by flush() in a batch, and the bad-attempts view.
#include <cppunit/extensions/HelperMacros.h>
#include <sqlite3.h>

#include <string>

#include "engine/abuse/AbuseGuard.h"
#include "engine/abuse/BadAttempts.h"
#include "engine/base/ManualClock.h"
#include "tests/support/TempDir.h"
#include "tests/unit/support/TempStore.h"

using namespace keywarden;
using engine::AbuseGuard;
using engine::AttemptKey;

namespace {
constexpr int64_t kT0 = 1'800'000'000'000;

engine::AbuseSettings settings() {
  engine::AbuseSettings s;
  s.source = {3, 60000, 300000};
  s.prefix = {4, 60000, 300000};
  s.link = {2, 600000, 300000};
  s.slots = 1024;
  return s;
}

std::string sqlOne(const std::string& file, const std::string& query) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, query.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}
}  // namespace

class AbuseGuardTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AbuseGuardTest);
  CPPUNIT_TEST(blockedSourceIsRefusedOthersAreNot);
  CPPUNIT_TEST(blockedKeyStartRefusesOnlyCallersThatFailedThemselves);
  CPPUNIT_TEST(unknownSourceIsNeverRefusedByItsAddress);
  CPPUNIT_TEST(linkFailuresBlockTheirOwnTable);
  CPPUNIT_TEST(oneAuditRowPerEpisodeWrittenByFlush);
  CPPUNIT_TEST(viewListsBlockedFirstAndIsForAdminsOfAllTenants);
  CPPUNIT_TEST_SUITE_END();

 public:
  void blockedSourceIsRefusedOthersAreNot() {
    engine::ManualClock clock(kT0);
    AbuseGuard g(nullptr, clock, settings());
    AttemptKey a("203.0.113.7"), b("198.51.100.1"), start("kw_AbCd");
    for (int i = 0; i < 2; ++i) g.checkFailed(&a, &start, kT0);
    CPPUNIT_ASSERT(!g.beforeCheck(&a, nullptr, kT0).refused);
    g.checkFailed(&a, nullptr, kT0);
    auto r = g.beforeCheck(&a, nullptr, kT0 + 1);
    CPPUNIT_ASSERT(r.refused);
    CPPUNIT_ASSERT(r.by == AbuseGuard::Table::Source);
    CPPUNIT_ASSERT_EQUAL(kT0 + 300000, r.until);
    CPPUNIT_ASSERT(!g.beforeCheck(&b, nullptr, kT0 + 1).refused);
    CPPUNIT_ASSERT(!g.beforeCheck(&a, nullptr, kT0 + 300000).refused);  // the block ended
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), g.refusals(AbuseGuard::Table::Source));
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), g.blocks(AbuseGuard::Table::Source));
    CPPUNIT_ASSERT_EQUAL(uint64_t(3), g.failures(AbuseGuard::Table::Source));
  }

  void blockedKeyStartRefusesOnlyCallersThatFailedThemselves() {
    engine::ManualClock clock(kT0);
    AbuseGuard g(nullptr, clock, settings());
    AttemptKey start("kw_AbCd"), holder("192.0.2.10");
    // Four guessers, one failure each: the start is blocked, no guesser is.
    for (int i = 1; i <= 4; ++i) {
      AttemptKey s("203.0.113." + std::to_string(i));
      g.checkFailed(&s, &start, kT0);
    }
    CPPUNIT_ASSERT_EQUAL(uint64_t(1), g.blocks(AbuseGuard::Table::Prefix));
    AttemptKey guesser("203.0.113.1");
    auto r = g.beforeCheck(&guesser, &start, kT0 + 1);
    CPPUNIT_ASSERT(r.refused);
    CPPUNIT_ASSERT(r.by == AbuseGuard::Table::Prefix);
    // The key's holder, who has not failed, is checked as usual.
    CPPUNIT_ASSERT(!g.beforeCheck(&holder, &start, kT0 + 1).refused);
    // So is a guesser in the next window (its failures are in the last one).
    CPPUNIT_ASSERT(!g.beforeCheck(&guesser, &start, kT0 + 60000).refused);
  }

  void unknownSourceIsNeverRefusedByItsAddress() {
    engine::ManualClock clock(kT0);
    AbuseGuard g(nullptr, clock, settings());
    AttemptKey start("kw_AbCd");
    for (int i = 0; i < 10; ++i) g.checkFailed(nullptr, &start, kT0);
    CPPUNIT_ASSERT(!g.beforeCheck(nullptr, &start, kT0 + 1).refused);
    CPPUNIT_ASSERT(!g.beforeCheck(nullptr, nullptr, kT0 + 1).refused);
  }

  void linkFailuresBlockTheirOwnTable() {
    engine::ManualClock clock(kT0);
    AbuseGuard g(nullptr, clock, settings());
    AttemptKey a("203.0.113.7");
    g.linkFailed(a, kT0);
    CPPUNIT_ASSERT_EQUAL(int64_t(0), g.linkBlocked(a, kT0));
    g.linkFailed(a, kT0 + 1);
    CPPUNIT_ASSERT_EQUAL(kT0 + 1 + 300000, g.linkBlocked(a, kT0 + 2));
    CPPUNIT_ASSERT(!g.beforeCheck(&a, nullptr, kT0 + 2).refused);  // key checks are apart
  }

  void oneAuditRowPerEpisodeWrittenByFlush() {
    test::TempDir dir;
    auto store = test::migratedStore(dir, "OFF");
    engine::ManualClock clock(kT0);
    AbuseGuard g(store.get(), clock, settings());
    AttemptKey a("203.0.113.7");
    for (int i = 0; i < 50; ++i) g.checkFailed(&a, nullptr, kT0 + i);  // one episode
    std::string file = dir.file("kw.db");
    std::string count = "SELECT COUNT(*) FROM audit_log WHERE action = 'abuse.blocked'";
    CPPUNIT_ASSERT_EQUAL(std::string("0"), sqlOne(file, count));  // not on the check path
    CPPUNIT_ASSERT(g.flush());
    CPPUNIT_ASSERT_EQUAL(std::string("1"), sqlOne(file, count));
    CPPUNIT_ASSERT_EQUAL(std::string("client-address|203.0.113.7|system:abuse"),
                         sqlOne(file,
                                "SELECT object_type || '|' || object_id || '|' || actor FROM "
                                "audit_log WHERE action = 'abuse.blocked'"));
    std::string detail =
        sqlOne(file, "SELECT detail FROM audit_log WHERE action = 'abuse.blocked'");
    CPPUNIT_ASSERT(detail.find("\"failures\":3") != std::string::npos);
    CPPUNIT_ASSERT(detail.find("\"table\":\"source\"") != std::string::npos);
    // A second episode after the block: a second row.
    for (int i = 0; i < 3; ++i) g.checkFailed(&a, nullptr, kT0 + 400000 + i);
    g.flush();
    CPPUNIT_ASSERT_EQUAL(std::string("2"), sqlOne(file, count));
  }

  void viewListsBlockedFirstAndIsForAdminsOfAllTenants() {
    engine::ManualClock clock(kT0 + 10);
    AbuseGuard g(nullptr, clock, settings());
    AttemptKey a("203.0.113.7"), b("198.51.100.1"), start("kw_AbCd");
    for (int i = 0; i < 3; ++i) g.checkFailed(&a, &start, kT0);
    g.checkFailed(&b, nullptr, kT0 + 5);
    engine::BadAttempts view(g);
    engine::Principal admin;
    auto all = view.list(admin, {});
    CPPUNIT_ASSERT(all);
    CPPUNIT_ASSERT_EQUAL(size_t(3), all.value().size());
    CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.7"), all.value()[0].key);
    CPPUNIT_ASSERT_EQUAL(kT0 + 300000, all.value()[0].blockedUntil);
    CPPUNIT_ASSERT_EQUAL(uint64_t(3), all.value()[0].failures);
    engine::BadAttempts::Filter f;
    f.table = "prefix";
    auto prefixes = view.list(admin, f);
    CPPUNIT_ASSERT_EQUAL(size_t(1), prefixes.value().size());
    CPPUNIT_ASSERT_EQUAL(std::string("kw_AbCd"), prefixes.value()[0].key);
    f = {};
    f.blockedOnly = true;
    CPPUNIT_ASSERT_EQUAL(size_t(1), view.list(admin, f).value().size());
    engine::Principal tenantAdmin;
    tenantAdmin.tenant = "acme";
    CPPUNIT_ASSERT(!view.list(tenantAdmin, {}));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AbuseGuardTest);
