#include "store/SqlStore.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Path.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "engine/ports/NoBlockingStore.h"
#include "engine/ports/StoreBusy.h"
#include "store/Migrations.h"
#include "store/SqlQuery.h"
#include "store/SqlTransaction.h"

using namespace Poco::Data::Keywords;

namespace keywarden::store {

namespace {
DialectKind kindOf(const std::string& connector) {
  if (connector == "sqlite") return DialectKind::SQLite;
  if (connector == "postgresql") return DialectKind::PostgreSQL;
  throw std::invalid_argument("db.connector: '" + connector + "' is not one of sqlite, postgresql");
}
}  // namespace

// A read session borrowed from the pool for one call.
class SqlStore::Lease {
 public:
  explicit Lease(SqlStore& s) : _s(s) {
    std::unique_lock<std::mutex> lock(_s._poolMutex);
    _s._poolCv.wait(lock, [&] { return !_s._idle.empty(); });
    _session = std::move(_s._idle.back());
    _s._idle.pop_back();
  }
  ~Lease() {
    std::lock_guard<std::mutex> lock(_s._poolMutex);
    _s._idle.push_back(std::move(_session));
    _s._poolCv.notify_one();
  }
  Poco::Data::Session& session() { return *_session; }
  std::unique_ptr<Poco::Data::Session>& slot() { return _session; }

 private:
  SqlStore& _s;
  std::unique_ptr<Poco::Data::Session> _session;
};

SqlStore::SqlStore(const DbSettings& settings)
    : _settings(settings), _dialect(kindOf(settings.connector)) {
  if (_dialect.kind() == DialectKind::PostgreSQL) {
    Poco::Data::PostgreSQL::Connector::registerConnector();
  } else {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Path dir = Poco::Path(settings.connection).parent();
    if (!dir.toString().empty()) Poco::File(dir).createDirectories();
  }
  try {
    _writer = openSession();
    for (int i = 0; i < std::max(1, settings.poolSize); ++i) _idle.push_back(openSession());
    if (_dialect.kind() == DialectKind::SQLite) {
      auto cache = [this](const Poco::Data::Session& s) {
        _statements.emplace(
            &s, std::make_unique<SqliteStatements>(Poco::Data::SQLite::Utility::dbHandle(s)));
      };
      cache(*_writer);
      for (const auto& s : _idle) cache(*s);
    }
  } catch (const Poco::Exception& e) {
    // One line naming the setting. Never the connection string itself: it may hold a password.
    std::string why = e.displayText();
    why = why.substr(0, why.find('\n'));
    throw std::runtime_error("db.connection: cannot open the " + settings.connector +
                             " database: " + why);
  }
}

SqlStore::~SqlStore() {
  if (_lockFd >= 0) ::close(_lockFd);
}

void SqlStore::exec(Poco::Data::Session& s, const std::string& sql) const {
  // SQLite: the transaction statements run on every write and read; prepared once each.
  if (SqliteStatements* q = statementsOf(s))
    SqlQuery(*q, sql).execute();
  else
    s << sql, now;
}

SqliteStatements* SqlStore::statementsOf(const Poco::Data::Session& s) const {
  auto it = _statements.find(&s);
  return it == _statements.end() ? nullptr : it->second.get();
}

std::unique_ptr<Poco::Data::Session> SqlStore::openSession() {
  if (_dialect.kind() == DialectKind::PostgreSQL) {
    auto s = std::make_unique<Poco::Data::Session>("PostgreSQL", _settings.connection);
    // Times are epoch milliseconds in BIGINT columns: the session time zone never matters.
    // A statement that waits on a lock longer than the busy timeout fails instead of hanging.
    *s << "SET lock_timeout = " + std::to_string(_settings.busyTimeoutMs), now;
    *s << "SET client_min_messages = warning", now;  // no NOTICE lines on stderr
    return s;
  }
  auto s = std::make_unique<Poco::Data::Session>("SQLite", _settings.connection);
  std::string mode;
  *s << "PRAGMA journal_mode=WAL", into(mode), now;
  *s << "PRAGMA synchronous=" + _settings.synchronous, now;
  int timeout = 0;
  *s << "PRAGMA busy_timeout=" + std::to_string(_settings.busyTimeoutMs), into(timeout), now;
  return s;
}

int SqlStore::migrate() {
  std::unique_lock<std::mutex> lock(_writeMutex);
  waitNoGroup(lock);
  return Migrations::apply(*_writer, _dialect);
}

int SqlStore::schemaVersion() {
  std::unique_lock<std::mutex> lock(_writeMutex);
  waitNoGroup(lock);
  return Migrations::currentVersion(*_writer);
}

void SqlStore::run(Poco::Data::Session& s, SqlTransaction& tx, const std::string& begin,
                   const std::function<void(engine::Transaction&)>& fn) {
  exec(s, begin);
  try {
    fn(tx);
    tx.beforeCommit();
    exec(s, "COMMIT");
  } catch (...) {
    try {
      exec(s, "ROLLBACK");
    } catch (...) {
      // The original failure is the one worth reporting.
    }
    throw;
  }
}

bool SqlStore::reopenIfLost(std::unique_ptr<Poco::Data::Session>& s) {
  if (_dialect.kind() != DialectKind::PostgreSQL) return false;
  bool lost = true;
  try {
    lost = !s->isConnected();
  } catch (...) {
  }
  if (!lost) return false;
  auto& log = Poco::Logger::get("keywarden.store");
  try {
    s = openSession();  // with its settings (lock_timeout …) applied again
    log.warning("database connection lost; opened a new one");
  } catch (const std::exception& e) {
    // Still unreachable: the next failing call tries again.
    log.error("database connection lost; reconnecting failed: %s", std::string(e.what()));
  }
  return true;
}

void SqlStore::openGroup() {
  try {
    exec(*_writer, _dialect.beginWrite());
  } catch (const Poco::Exception& e) {
    if (reopenIfLost(_writer)) throw engine::StoreBusy("STORE_UNAVAILABLE", e.displayText());
    if (_dialect.retryable(e.displayText())) throw engine::StoreBusy("STORE_BUSY", e.displayText());
    throw;
  }
  _group = std::make_shared<WriteGroup>();
}

std::exception_ptr SqlStore::runUnit(SqlTransaction& tx,
                                     const std::function<void(engine::Transaction&)>& fn,
                                     WriteGroup& g) {
  std::exception_ptr failure;
  std::string dbError;
  try {
    exec(*_writer, "SAVEPOINT kw_unit");
    fn(tx);
    tx.beforeCommit();
    exec(*_writer, "RELEASE SAVEPOINT kw_unit");
    return nullptr;
  } catch (const Poco::Exception& e) {
    failure = std::current_exception();
    dbError = e.displayText();
  } catch (...) {
    failure = std::current_exception();
  }
  // Undo this unit alone. If the database cannot (SQLite drops the whole transaction on a full
  // disk or an I/O error; a PostgreSQL connection may be gone), the group is lost.
  try {
    exec(*_writer, "ROLLBACK TO SAVEPOINT kw_unit");
    exec(*_writer, "RELEASE SAVEPOINT kw_unit");
  } catch (...) {
    g.lost = true;
  }
  if (!dbError.empty()) {
    // The database restarted or the network cut the connection: a fresh one for the next call.
    if (reopenIfLost(_writer)) {
      g.lost = true;
      return std::make_exception_ptr(engine::StoreBusy("STORE_UNAVAILABLE", dbError));
    }
    // Several instances on one PostgreSQL can deadlock on rows they both update; the server
    // aborts the statement (this unit is rolled back in full): the caller may try again.
    if (_dialect.retryable(dbError))
      return std::make_exception_ptr(engine::StoreBusy("STORE_BUSY", dbError));
  }
  return failure;
}

void SqlStore::endGroup(WriteGroup& g) {
  if (g.lost) {
    try {
      exec(*_writer, "ROLLBACK");
    } catch (...) {
      // Nothing left to roll back.
    }
    g.failed = true;
    g.busyCode = "STORE_BUSY";
    g.error =
        "rolled back: a write sharing its transaction failed and took the transaction with it";
  } else {
    try {
      exec(*_writer, "COMMIT");
      ++_commits;
    } catch (const std::exception& e) {
      g.failed = true;
      g.error = e.what();
      if (auto* pe = dynamic_cast<const Poco::Exception*>(&e)) g.error = pe->displayText();
      try {
        exec(*_writer, "ROLLBACK");
      } catch (...) {
      }
      if (reopenIfLost(_writer))
        g.busyCode = "STORE_UNAVAILABLE";
      else if (_dialect.retryable(g.error))
        g.busyCode = "STORE_BUSY";
    }
  }
  g.done = true;
  _group.reset();
  _groupCv.notify_all();
}

void SqlStore::waitNoGroup(std::unique_lock<std::mutex>& lock) {
  // A group left open always has a writer queued for the lock, and that writer ends it.
  _groupCv.wait(lock, [this] { return !_group; });
}

void SqlStore::write(const std::function<void(engine::Transaction&)>& fn) {
  engine::NoBlockingStore::check();  // the gateway loop never waits for the database
  _writersWaiting.fetch_add(1);
  std::unique_lock<std::mutex> lock(_writeMutex);
  _writersWaiting.fetch_sub(1);
  if (!_group) {
    // BEGIN failed: no group, nothing to undo; ends the write with the (mapped) failure.
    try {
      openGroup();
    } catch (...) {
      _groupCv.notify_all();
      throw;
    }
  }
  std::shared_ptr<WriteGroup> group = _group;
  SqlTransaction tx(*_writer, _dialect, statementsOf(*_writer));
  const bool wasLost = group->lost;  // always false: a lost group ends at once
  std::exception_ptr failure = runUnit(tx, fn, *group);
  const bool lostHere = group->lost && !wasLost;
  ++group->members;
  const auto& limits = _settings.group;
  if (group->lost || _writersWaiting.load() == 0 || group->members >= limits.maxMembers ||
      std::chrono::steady_clock::now() - group->openedAt >= limits.maxAge)
    endGroup(*group);
  else
    _groupCv.wait(lock, [&group] { return group->done; });
  lock.unlock();
  // When the group did not commit, every member answers with the group's failure — even one
  // whose own unit returned an Error, as that Error may rest on what the group's earlier units
  // wrote — except the unit whose failure took the transaction down: it answers with its own.
  if (group->failed && !lostHere) {
    if (!group->busyCode.empty()) throw engine::StoreBusy(group->busyCode, group->error);
    throw std::runtime_error("the write transaction failed to commit: " + group->error);
  }
  if (failure) std::rethrow_exception(failure);
  // Hooks run outside the write lock: they take the cache's locks and quota accounts, and a
  // check holding an account waits for the write lock to lease. Versions keep them ordered.
  tx.committed();
}

void SqlStore::claimName(const std::string& name) {
  if (_dialect.kind() == DialectKind::SQLite) {
    // One server per SQLite store: an exclusive flock on the database file itself (the same
    // file under any path or link), held until the process exits. flock locks are separate
    // from the POSIX record locks SQLite takes, so other processes — `keywarden migrate`,
    // `token create`, sqlite3 — work on the store beside the server as before.
    int fd = ::open(_settings.connection.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      throw std::runtime_error("db.connection: cannot open the SQLite store " +
                               _settings.connection + " to lock it: " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK)
        throw std::runtime_error("db.connection: the SQLite store " + _settings.connection +
                                 " is in use by another running keywarden server (one server "
                                 "per SQLite store; use PostgreSQL for several)");
      throw std::runtime_error("db.connection: cannot lock the SQLite store " +
                               _settings.connection + ": " + std::strerror(err));
    }
    _lockFd = fd;
    return;
  }
  // A session-level advisory lock held on a session of its own for the life of the process:
  // the database itself says no live process holds the name, and frees it when we die.
  Poco::Int64 key = Dialect::advisoryKey("keywarden-instance:" + name);
  _nameSession = openSession();
  int got = 0;
  *_nameSession << "SELECT CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END", use(key),
      into(got), now;
  if (got != 1)
    throw std::runtime_error("another running instance uses the name " + name +
                             " (host:http.port) on this database; give each instance its own port");
}

void SqlStore::read(const std::function<void(engine::Transaction&)>& fn) {
  engine::NoBlockingStore::check();
  Lease lease(*this);
  SqlTransaction tx(lease.session(), _dialect, statementsOf(lease.session()));
  try {
    run(lease.session(), tx, _dialect.beginRead(), fn);
  } catch (const Poco::Exception& e) {
    if (reopenIfLost(lease.slot())) throw engine::StoreBusy("STORE_UNAVAILABLE", e.displayText());
    throw;
  }
  tx.committed();
}

bool SqlStore::ping() {
  try {
    Lease lease(*this);
    try {
      int one = 0;
      lease.session() << "SELECT 1", into(one), now;
      return one == 1;
    } catch (const Poco::Exception&) {
      reopenIfLost(lease.slot());
      return false;
    }
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace keywarden::store
