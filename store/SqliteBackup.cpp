#include "store/SqliteBackup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace keywarden::store {

namespace {
// An open sqlite3 handle, closed on scope exit.
class Db {
 public:
  Db(const std::string& path, int flags) {
    int rc = sqlite3_open_v2(path.c_str(), &_db, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string why = _db ? sqlite3_errmsg(_db) : sqlite3_errstr(rc);
      sqlite3_close(_db);
      _db = nullptr;
      throw BackupError(path + ": cannot be opened: " + why);
    }
    sqlite3_busy_timeout(_db, 10000);
  }
  ~Db() { sqlite3_close(_db); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  sqlite3* get() const { return _db; }

  // The first column of the first row of `sql` as text ("" when no row).
  std::string text(const std::string& sql, const std::string& file) const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(_db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw BackupError(file + ": " + sqlite3_errmsg(_db));
    std::string out;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      std::string why = sqlite3_errmsg(_db);
      sqlite3_finalize(st);
      throw BackupError(file + ": " + why);
    }
    sqlite3_finalize(st);
    return out;
  }
  void exec(const std::string& sql, const std::string& file) const {
    char* err = nullptr;
    if (sqlite3_exec(_db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string why = err ? err : "failed";
      sqlite3_free(err);
      throw BackupError(file + ": " + why);
    }
  }

 private:
  sqlite3* _db = nullptr;
};

// Copies every page of `from` into `to` in one step (one read transaction on `from`: a
// consistent snapshot), retrying while the source or the target is busy.
void copyAll(Db& from, Db& to, const std::string& what) {
  sqlite3_backup* b = sqlite3_backup_init(to.get(), "main", from.get(), "main");
  if (!b) throw BackupError(what + ": " + sqlite3_errmsg(to.get()));
  int rc;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE)
    throw BackupError(what + ": the copy did not finish: " + sqlite3_errstr(rc));
}

void fsyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

std::string dirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

BackupInfo describe(const Db& db, const std::string& file) {
  BackupInfo info;
  std::string v = db.text("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", file);
  info.schemaVersion = v.empty() ? 0 : std::stoi(v);
  std::string k = db.text("SELECT COUNT(*) FROM api_keys", file);
  info.keys = k.empty() ? 0 : std::stoll(k);
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) info.bytes = st.st_size;
  return info;
}
}  // namespace

BackupInfo SqliteBackup::backup(const std::string& dbPath, const std::string& toFile) {
  if (exists(toFile)) throw BackupError(toFile + ": exists already; give a new file name");
  if (!exists(dbPath)) throw BackupError(dbPath + ": no SQLite store here (db.connection)");
  const std::string tmp = toFile + ".tmp";
  ::unlink(tmp.c_str());
  try {
    {
      Db from(dbPath, SQLITE_OPEN_READONLY);
      Db to(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
      copyAll(from, to, toFile);
      // One self-contained file: no -wal beside it.
      to.exec("PRAGMA journal_mode=DELETE", toFile);
      if (to.text("PRAGMA quick_check", toFile) != "ok")
        throw BackupError(toFile + ": the copy fails SQLite's quick_check");
    }
    fsyncPath(tmp, false);
    if (::rename(tmp.c_str(), toFile.c_str()) != 0)
      throw BackupError(toFile + ": cannot be written: " + std::strerror(errno));
    fsyncPath(dirOf(toFile), true);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  Db check(toFile, SQLITE_OPEN_READONLY);
  return describe(check, toFile);
}

BackupInfo SqliteBackup::inspect(const std::string& fromFile, int maxSchemaVersion) {
  if (!exists(fromFile)) throw BackupError(fromFile + ": no such file");
  Db db(fromFile, SQLITE_OPEN_READONLY);
  std::string ok;
  try {
    ok = db.text("PRAGMA quick_check", fromFile);
  } catch (const BackupError&) {
    throw BackupError(fromFile + ": not an SQLite database, or a damaged one");
  }
  if (ok != "ok") throw BackupError(fromFile + ": fails SQLite's quick_check: " + ok);
  if (db.text("SELECT name FROM sqlite_master WHERE type='table' AND name='schema_migrations'",
              fromFile)
          .empty() ||
      db.text("SELECT name FROM sqlite_master WHERE type='table' AND name='api_keys'", fromFile)
          .empty())
    throw BackupError(fromFile + ": not a Keywarden store (no schema_migrations or api_keys)");
  BackupInfo info = describe(db, fromFile);
  if (info.schemaVersion > maxSchemaVersion)
    throw BackupError(fromFile + ": schema version " + std::to_string(info.schemaVersion) +
                      " is newer than this keywarden's " + std::to_string(maxSchemaVersion) +
                      "; restore it with the keywarden that wrote it");
  return info;
}

BackupInfo SqliteBackup::restore(const std::string& fromFile, const std::string& dbPath,
                                 int maxSchemaVersion) {
  BackupInfo info = inspect(fromFile, maxSchemaVersion);
  {
    Db from(fromFile, SQLITE_OPEN_READONLY);
    Db to(dbPath, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    copyAll(from, to, dbPath);
    to.exec("PRAGMA journal_mode=WAL", dbPath);  // the store's own mode (store/SqlStore)
    if (to.text("PRAGMA quick_check", dbPath) != "ok")
      throw BackupError(dbPath + ": fails SQLite's quick_check after the restore");
  }
  fsyncPath(dbPath, false);
  return info;
}

}  // namespace keywarden::store
