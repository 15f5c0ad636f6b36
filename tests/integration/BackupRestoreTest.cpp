// keywarden backup FILE / restore FILE on the SQLite store (contract §8): a backup taken while
// the server serves checks and writes, restored into the store, brings back every key as it
// was; a restore is refused while a server runs and for a file that is no Keywarden store,
// changing nothing either way.
#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

class BackupRestoreTest : public Fixture {
  CPPUNIT_TEST_SUITE(BackupRestoreTest);
  CPPUNIT_TEST(backupUnderLoadRestoresEveryKeyAsItWas);
  CPPUNIT_TEST(restoreIsRefusedWhileAServerRunsAndChangesNothing);
  CPPUNIT_TEST(badBackupFilesAreRefusedNamingTheFile);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::string file(const std::string& name) { return server->dir().file(name); }

  void backupUnderLoadRestoresEveryKeyAsItWas() {
    if (server->postgres()) {
      std::string out;
      CPPUNIT_ASSERT_EQUAL(2, server->runCli("backup " + file("b.db") + " 2>&1", out));
      CPPUNIT_ASSERT_MESSAGE(out, out.find("pg_dump") != std::string::npos);
      return;
    }
    std::vector<std::pair<std::string, std::string>> keys;
    for (int i = 0; i < 40; ++i) keys.push_back(newKey());
    auto revoked = newKey();
    CPPUNIT_ASSERT_EQUAL(200, admin("POST", "/v1/keys/" + revoked.first + "/revoke", "{}").status);

    // Load while the backup runs: checks on every key and new keys being written.
    std::atomic<bool> stop{false};
    std::atomic<int> checks{0}, writes{0};
    std::thread checker([&] {
      HttpClient c = server->client();
      while (!stop) {
        for (const auto& k : keys) {
          c.request("POST", "/v1/keys/verify", R"({"key":")" + k.second + "\"}");
          ++checks;
        }
      }
    });
    std::thread writer([&] {
      HttpClient c = server->client();
      while (!stop) {
        c.call("POST", "/v1/keys", server->adminToken(), R"({"clientId":"c1","name":"during"})");
        ++writes;
      }
    });
    // The backup is taken while both are under way, and they go on after it.
    // (Asserted after the threads are joined.)
    bool underWay = eventually([&] { return writes >= 3 && checks >= 10; });
    std::string out;
    int rc = server->runCli("backup " + file("backup.db") + " 2>&1", out);
    int writesAtBackup = writes;
    bool wentOn = eventually([&] { return writes >= writesAtBackup + 3; });
    stop = true;
    checker.join();
    writer.join();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 0, rc);
    CPPUNIT_ASSERT_MESSAGE(out, out.find("keys, schema version") != std::string::npos);
    CPPUNIT_ASSERT(underWay && wentOn && checks > 0 && writesAtBackup > 0);
    // A second backup to the same name is refused: a backup never overwrites one.
    CPPUNIT_ASSERT_EQUAL(1, server->runCli("backup " + file("backup.db") + " 2>&1", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("exists already") != std::string::npos);

    // After the backup: a key the restore must forget, a revocation it must undo.
    auto later = newKey();
    CPPUNIT_ASSERT_EQUAL(200, admin("POST", "/v1/keys/" + keys[0].first + "/revoke", "{}").status);
    CPPUNIT_ASSERT_EQUAL(std::string("REVOKED"), verify(keys[0].second));

    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    CPPUNIT_ASSERT_EQUAL(0, server->runCli("restore " + file("backup.db") + " 2>&1", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("restored") != std::string::npos);
    server->start();
    for (const auto& k : keys) CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(k.second));
    CPPUNIT_ASSERT_EQUAL(std::string("REVOKED"), verify(revoked.second));
    CPPUNIT_ASSERT_EQUAL(std::string("NOT_FOUND"), verify(later.second));
    // The restored store takes writes again.
    auto after = newKey();
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(after.second));
  }

  void restoreIsRefusedWhileAServerRunsAndChangesNothing() {
    if (server->postgres()) return;
    auto before = newKey();
    std::string out;
    CPPUNIT_ASSERT_EQUAL(0, server->runCli("backup " + file("b.db") + " 2>&1", out));
    auto after = newKey();
    CPPUNIT_ASSERT_EQUAL(1, server->runCli("restore " + file("b.db") + " 2>&1", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("server is running") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(after.second));
    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    server->start();
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(after.second));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(before.second));
  }

  void badBackupFilesAreRefusedNamingTheFile() {
    if (server->postgres()) return;
    auto k = newKey();
    CPPUNIT_ASSERT_EQUAL(0, server->stop());
    std::string out;
    { std::ofstream(file("junk.db")) << "this is not a database\n"; }
    CPPUNIT_ASSERT_EQUAL(1, server->runCli("restore " + file("junk.db") + " 2>&1", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("junk.db") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(1, server->runCli("restore " + file("missing.db") + " 2>&1", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("no such file") != std::string::npos);
    // An SQLite file that is not a Keywarden store.
    {
      std::ofstream f(file("other.sql"));
      f << "CREATE TABLE t (x INTEGER);\n";
    }
    CPPUNIT_ASSERT_EQUAL(
        0, std::system(("sqlite3 " + file("other.db") + " < " + file("other.sql")).c_str()));
    CPPUNIT_ASSERT_EQUAL(1, server->runCli("restore " + file("other.db") + " 2>&1", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("not a Keywarden store") != std::string::npos);
    // A truncated backup.
    CPPUNIT_ASSERT_EQUAL(0, server->runCli("backup " + file("good.db") + " 2>&1", out));
    std::ifstream in(file("good.db"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    {
      std::ofstream cut(file("cut.db"), std::ios::binary);
      cut << bytes.substr(0, bytes.size() / 2);
    }
    CPPUNIT_ASSERT_EQUAL(1, server->runCli("restore " + file("cut.db") + " 2>&1", out));
    CPPUNIT_ASSERT_MESSAGE(out, out.find("cut.db") != std::string::npos);
    // None of that changed the store.
    server->start();
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(k.second));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BackupRestoreTest);
