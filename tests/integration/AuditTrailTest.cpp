#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

// `keywarden audit verify` and `audit export` on the real server's store (SQLite, and
// PostgreSQL with KW_TEST_DB=postgresql): the chain holds after a journey, every kind of
// tampering is named by the row it hits, and a change whose audit row cannot be written is
// not made (fail closed). Contract §8; docs/audit.md.
class AuditTrailTest : public Fixture {
  CPPUNIT_TEST_SUITE(AuditTrailTest);
  CPPUNIT_TEST(afterAJourneyVerifyExitsZero);
  CPPUNIT_TEST(aChangedFieldIsNamedAsAHashMismatchOfThatRow);
  CPPUNIT_TEST(aDeletedRowIsNamedAsMissing);
  CPPUNIT_TEST(twoSwappedRowsAreNamedAsReordered);
  CPPUNIT_TEST(theLastRowDeletedIsCaughtByTheChainHead);
  CPPUNIT_TEST(aChangeWhoseAuditRowCannotBeWrittenIsNotMadeAndAnswersAnError);
  CPPUNIT_TEST(exportWritesOneJsonObjectPerLineSinceTheGivenTimeWithoutSecrets);
  CPPUNIT_TEST(exportRefusesABadSince);
  CPPUNIT_TEST_SUITE_END();

 public:
  // Clients, keys issued, changed, revoked and rotated, a token made: a dozen audit rows.
  std::string journey() {
    auto [id, key] = newKey();
    CPPUNIT_ASSERT_EQUAL(200,
                         admin("POST", "/v1/keys/" + id + "/disable", R"({"reason":"t"})").status);
    CPPUNIT_ASSERT_EQUAL(200, admin("POST", "/v1/keys/" + id + "/enable", "{}").status);
    auto second = newKey(R"({"clientId":"c1","name":"second"})");
    HttpResponse rot =
        admin("POST", "/v1/keys/" + second.first + "/rotate", R"({"graceSeconds":0})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(rot.body, 201, rot.status);
    HttpResponse rev = admin("POST", "/v1/keys/" + id + "/revoke", R"({"reason":"test"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(rev.body, 200, rev.status);
    token("--role gateway --name gw");
    return key;
  }
  int cli(const std::string& args, std::string& out) { return server->runCli(args, out); }
  std::string idAt(int seq) {
    return server->sql("SELECT id FROM audit_log WHERE seq = " + std::to_string(seq));
  }
  void expectBroken(const std::string& kind, const std::string& rowId) {
    std::string out;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 1, cli("audit verify", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("audit chain broken") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(out, out.find(kind) != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(out, out.find("row " + rowId + " ") != std::string::npos);
  }

  void afterAJourneyVerifyExitsZero() {
    journey();
    std::string out;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 0, cli("audit verify", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("audit chain holds") != std::string::npos);
    std::string n = server->sql("SELECT COUNT(*) FROM audit_log WHERE seq > 0");
    CPPUNIT_ASSERT_MESSAGE(n, std::stoi(n) >= 6);
    CPPUNIT_ASSERT_MESSAGE(out,
                           out.find(": " + n + " rows (seq 1.." + n + ")") != std::string::npos);
  }

  void aChangedFieldIsNamedAsAHashMismatchOfThatRow() {
    journey();
    std::string id = idAt(3);
    server->sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3");
    expectBroken("hash mismatch", id);
  }

  void aDeletedRowIsNamedAsMissing() {
    journey();
    std::string next = idAt(3);
    server->sql("DELETE FROM audit_log WHERE seq = 2");
    expectBroken("row missing", next);
    std::string out;
    cli("audit verify", out);
    CPPUNIT_ASSERT_MESSAGE(out, out.find("seq 2 absent") != std::string::npos);
  }

  void twoSwappedRowsAreNamedAsReordered() {
    journey();
    std::string third = idAt(3);
    server->sql("UPDATE audit_log SET seq = CASE seq WHEN 2 THEN 3 ELSE 2 END WHERE seq IN (2, 3)");
    expectBroken("row reordered", third);  // the row written as seq 3 now stands at seq 2
  }

  void theLastRowDeletedIsCaughtByTheChainHead() {
    journey();
    std::string last = server->sql("SELECT MAX(seq) FROM audit_log");
    server->sql("DELETE FROM audit_log WHERE seq = " + last);
    std::string out;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 1, cli("audit verify", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("chain head mismatch") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(out, out.find("seq " + last + " absent") != std::string::npos);
  }

  void aChangeWhoseAuditRowCannotBeWrittenIsNotMadeAndAnswersAnError() {
    auto [id, key] = newKey();
    std::string rowsBefore = server->sql("SELECT COUNT(*) FROM audit_log");
    if (server->postgres()) {
      server->sql(
          "CREATE FUNCTION audit_refused() RETURNS trigger LANGUAGE plpgsql AS "
          "$$ BEGIN RAISE EXCEPTION 'audit refused'; END $$");
      server->sql(
          "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log FOR EACH ROW "
          "EXECUTE FUNCTION audit_refused()");
    } else {
      server->sql(
          "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log "
          "BEGIN SELECT RAISE(ABORT, 'audit refused'); END");
    }
    // A new client, a new key, a revocation: each answers an error and changes nothing.
    HttpResponse c = admin("POST", "/v1/clients", R"({"id":"c2","name":"Two","clientType":"web"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 500, c.status);
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/clients/c2").status);
    HttpResponse k = admin("POST", "/v1/keys", R"({"clientId":"c1","name":"refused"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(k.body, 500, k.status);
    CPPUNIT_ASSERT_EQUAL(std::string("0"),
                         server->sql("SELECT COUNT(*) FROM api_keys WHERE name = 'refused'"));
    HttpResponse r = admin("POST", "/v1/keys/" + id + "/revoke", R"({"reason":"x"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 500, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    CPPUNIT_ASSERT_EQUAL(rowsBefore, server->sql("SELECT COUNT(*) FROM audit_log"));
    CPPUNIT_ASSERT_EQUAL(std::string("INTERNAL"), c.errorCode());
    server->sql("DROP TRIGGER audit_refused" +
                std::string(server->postgres() ? " ON audit_log" : ""));
    std::string out;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 0, cli("audit verify", out));
    CPPUNIT_ASSERT_EQUAL(
        201, admin("POST", "/v1/clients", R"({"id":"c2","name":"Two","clientType":"web"})").status);
  }

  void exportWritesOneJsonObjectPerLineSinceTheGivenTimeWithoutSecrets() {
    std::string key = journey();
    std::string all, some;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(all, 0, cli("audit export", all));
    // From the time of row 4 on: rows 1-3 may share its millisecond, so count by time.
    std::string at4 = server->sql("SELECT at FROM audit_log WHERE seq = 4");
    int64_t since = std::stoll(at4);
    time_t secs = static_cast<time_t>(since / 1000);
    char buf[40];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", gmtime(&secs));
    std::string sinceText =
        std::string(buf) + "." + std::to_string(1000 + since % 1000).substr(1) + "Z";
    CPPUNIT_ASSERT_EQUAL_MESSAGE(some, 0, cli("audit export --since " + sinceText, some));
    auto count = [](const std::string& text, int64_t from, std::string& lastHash) {
      std::istringstream in(text);
      std::string line;
      int n = 0;
      while (std::getline(in, line)) {
        auto o = Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
        CPPUNIT_ASSERT_MESSAGE(line, o->getValue<int64_t>("atMs") >= from);
        CPPUNIT_ASSERT_EQUAL(size_t(64), o->getValue<std::string>("hash").size());
        CPPUNIT_ASSERT(o->getObject("detail"));
        if (!lastHash.empty())  // consecutive rows link (all rows here are chained)
          CPPUNIT_ASSERT_EQUAL(lastHash, o->getValue<std::string>("prevHash"));
        lastHash = o->getValue<std::string>("hash");
        ++n;
      }
      return n;
    };
    std::string h1, h2;
    int total = count(all, 0, h1), after = count(some, since, h2);
    CPPUNIT_ASSERT_EQUAL(std::stoi(server->sql("SELECT COUNT(*) FROM audit_log")), total);
    CPPUNIT_ASSERT_EQUAL(
        std::stoi(server->sql("SELECT COUNT(*) FROM audit_log WHERE at >= " + at4)), after);
    CPPUNIT_ASSERT(after < total);
    CPPUNIT_ASSERT_EQUAL(h1, h2);  // both end at the head
    CPPUNIT_ASSERT(all.find(key) == std::string::npos);
    CPPUNIT_ASSERT(all.find(key.substr(0, 20)) == std::string::npos);
    CPPUNIT_ASSERT(all.find(server->adminToken()) == std::string::npos);
  }

  void exportRefusesABadSince() {
    std::string out;
    CPPUNIT_ASSERT_EQUAL(2, cli("audit export --since yesterday", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("--since") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(2, cli("audit export --until 2026-01-01T00:00:00Z", out));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuditTrailTest);
