#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace keywarden::store {

// A backup or restore refused or failed; what() is one line naming the file and the reason.
class BackupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a backup file holds (a whole SQLite database in one file, journal_mode DELETE).
struct BackupInfo {
  int64_t bytes = 0;
  int schemaVersion = 0;  // the highest migration applied (store/Migrations)
  int64_t keys = 0;       // rows in api_keys
};

// `keywarden backup FILE` and `keywarden restore FILE` for the SQLite store (contract §8),
// with SQLite's online backup API (https://www.sqlite.org/backup.html): a backup is one
// consistent snapshot taken in one read transaction while a server keeps serving (WAL mode:
// readers and the one writer do not block each other); a restore copies the backup into the
// store in one write transaction, so the store is either the old one or the backup, never a mix.
// The caller (app/Commands) makes sure no server runs on the store during a restore (the
// server's flock, store/SqlStore::claimName). PostgreSQL stores use pg_dump / pg_restore.
// Not thread-safe; one call at a time per file.
class SqliteBackup {
 public:
  // Writes the store at `dbPath` to `toFile` (written as toFile.tmp, fsynced, renamed).
  // Throws BackupError when toFile exists, the store cannot be read, or the copy fails.
  static BackupInfo backup(const std::string& dbPath, const std::string& toFile);

  // Checks that `fromFile` is a whole Keywarden store (SQLite quick_check passes, a
  // schema_migrations table, a version not newer than `maxSchemaVersion`) and returns what it
  // holds. Throws BackupError naming the file and the reason otherwise.
  static BackupInfo inspect(const std::string& fromFile, int maxSchemaVersion);

  // Replaces the store at `dbPath` with `fromFile` (inspect() first; the store file is created
  // when missing). Throws BackupError; on a failure the store is left as it was.
  static BackupInfo restore(const std::string& fromFile, const std::string& dbPath,
                            int maxSchemaVersion);
};

}  // namespace keywarden::store
