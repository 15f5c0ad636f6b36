#include "app/Commands.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

#include "app/ControlFiles.h"
#include "app/JsonLogFormatter.h"
#include "app/Server.h"
#include "app/Settings.h"
#include "engine/access/TokenService.h"
#include "engine/audit/AuditChainVerifier.h"
#include "engine/audit/AuditExport.h"
#include "engine/base/Duration.h"
#include "engine/base/Rfc3339.h"
#include "engine/base/SystemClock.h"
#include "store/Migrations.h"
#include "store/SqlAuditTrail.h"
#include "store/SqlStore.h"
#include "store/SqliteBackup.h"

namespace keywarden::app {

namespace {
void setupLogging(const std::string& level, const std::string& format) {
  Poco::AutoPtr<Poco::Formatter> f;
  if (format == "json") {
    f = new JsonLogFormatter;
  } else {
    auto* pattern = new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%SZ %p %s: %t");
    pattern->setProperty("times", "UTC");
    f = pattern;
  }
  Poco::AutoPtr<Poco::FormattingChannel> ch(
      new Poco::FormattingChannel(f, new Poco::ConsoleChannel(std::cerr)));
  Poco::Logger::root().setChannel(ch);
  Poco::Logger::root().setLevel(level);
}

// Pulls `--config FILE` out of args.
std::string takeConfig(std::vector<std::string>& args) {
  std::string config;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      config = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      break;
    }
    if (args[i].rfind("--config=", 0) == 0) {
      config = args[i].substr(9);
      args.erase(args.begin() + static_cast<long>(i));
      break;
    }
  }
  return config;
}
}  // namespace

void Commands::usage() {
  std::cerr << "usage: keywarden serve [--config FILE]\n"
               "       keywarden migrate [--config FILE]\n"
               "       keywarden token create --role admin|gateway|requester|approver [--email E] "
               "[--tenant T] [--name N] [--config FILE]\n"
               "       keywarden token list [--config FILE]\n"
               "       keywarden token revoke ID [--config FILE]\n"
               "       keywarden backup FILE [--config FILE]\n"
               "       keywarden restore FILE [--config FILE]   (the server stopped)\n"
               "       keywarden reload [--config FILE]   (flows and templates, as SIGHUP)\n"
               "       keywarden audit verify [--config FILE]\n"
               "       keywarden audit export [--since RFC3339] [--config FILE]\n";
}

int Commands::main(const std::vector<std::string>& in) {
  std::vector<std::string> args = in;
  std::string config = takeConfig(args);
  if (args.empty()) {
    usage();
    return 2;
  }
  try {
    if (args[0] == "serve" && args.size() == 1) return serve(config);
    if (args[0] == "migrate" && args.size() == 1) return migrate(config);
    if (args[0] == "token" && args.size() >= 2 && args[1] == "create")
      return tokenCreate(std::vector<std::string>(args.begin() + 2, args.end()), config);
    if (args[0] == "token" && args.size() == 2 && args[1] == "list") return tokenList(config);
    if (args[0] == "token" && args.size() == 3 && args[1] == "revoke")
      return tokenRevoke(args[2], config);
    if (args[0] == "backup" && args.size() == 2) return backup(args[1], config);
    if (args[0] == "restore" && args.size() == 2) return restore(args[1], config);
    if (args[0] == "reload" && args.size() == 1) return reload(config);
    if (args[0] == "audit" && args.size() == 2 && args[1] == "verify") return auditVerify(config);
    if (args[0] == "audit" && args.size() >= 2 && args[1] == "export")
      return auditExport(std::vector<std::string>(args.begin() + 2, args.end()), config);
    usage();
    return 2;
  } catch (const SettingsError& e) {
    std::cerr << "keywarden: " << e.what() << std::endl;
    return 2;
  } catch (const store::BackupError& e) {
    std::cerr << "keywarden: " << e.what() << std::endl;
    return 1;
  } catch (const Poco::Exception& e) {
    std::cerr << "keywarden: " << e.displayText() << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "keywarden: " << e.what() << std::endl;
    return 1;
  }
}

int Commands::serve(const std::string& config) {
  Settings s = Settings::load(config);
  s.requireServeSecrets();
  setupLogging(s.logLevel, s.logFormat);
  Server server(std::move(s));
  return server.run();
}

namespace {
// SQLite only: PostgreSQL has its own tools (pg_dump / pg_restore), said in one line.
void requireSqlite(const Settings& s, const char* what) {
  if (s.db.connector != "sqlite")
    throw SettingsError(std::string("db.connector: keywarden ") + what +
                        " works on the SQLite store; for PostgreSQL use pg_dump -Fc / "
                        "pg_restore (see the README, Backup and restore)");
}
}  // namespace

int Commands::backup(const std::string& file, const std::string& config) {
  Settings s = Settings::load(config);
  requireSqlite(s, "backup");
  store::BackupInfo info = store::SqliteBackup::backup(s.db.connection, file);
  std::cout << "backed up " << s.db.connection << " to " << file << ": " << info.bytes << " bytes, "
            << info.keys << " keys, schema version " << info.schemaVersion << std::endl;
  return 0;
}

int Commands::restore(const std::string& file, const std::string& config) {
  Settings s = Settings::load(config);
  requireSqlite(s, "restore");
  int maxVersion = store::Migrations::all().back().version;
  store::SqliteBackup::inspect(file, maxVersion);  // a bad file changes nothing
  // The server's own lock (store/SqlStore::claimName): held here for the whole restore, so a
  // server cannot start meanwhile, and refused while one runs.
  int fd = ::open(s.db.connection.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    throw store::BackupError(s.db.connection + ": cannot be opened: " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw store::BackupError(s.db.connection +
                             ": a keywarden server is running on this store; stop it, then "
                             "restore (nothing was changed)");
  }
  try {
    store::BackupInfo info = store::SqliteBackup::restore(file, s.db.connection, maxVersion);
    std::cout << "restored " << s.db.connection << " from " << file << ": " << info.keys
              << " keys, schema version " << info.schemaVersion
              << " (the next start applies any newer migrations)" << std::endl;
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return 0;
}

int Commands::reload(const std::string& config) {
  Settings s = Settings::load(config);
  ControlFiles control(s);
  pid_t pid = control.readPid();
  if (pid <= 0 || ::kill(pid, 0) != 0) {
    std::cerr << "keywarden: no running server found for http.port " << s.httpPort << " (no live "
              << "process in " << control.pidPath() << ")" << std::endl;
    return 1;
  }
  long before = control.readStatus().count;
  if (::kill(pid, SIGHUP) != 0) {
    std::cerr << "keywarden: cannot signal the server (pid " << pid << "): " << std::strerror(errno)
              << std::endl;
    return 1;
  }
  // The server records each reload's outcome; wait for the one this signal asked for.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    ControlFiles::Status st = control.readStatus();
    if (st.count > before) {
      if (st.ok) {
        std::cout << st.message << std::endl;
        return 0;
      }
      std::cerr << "keywarden: reload refused, the previous flows and templates keep serving: "
                << st.message << std::endl;
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::cerr << "keywarden: the server (pid " << pid << ") did not report the reload within 30 s; "
            << "see its log" << std::endl;
  return 1;
}

int Commands::migrate(const std::string& config) {
  Settings s = Settings::load(config);
  store::SqlStore store(s.db);
  int applied = store.migrate();
  std::cerr << "schema at version " << store.schemaVersion() << " (" << applied
            << " migration(s) applied)" << std::endl;
  return 0;
}

int Commands::tokenList(const std::string& config) {
  Settings s = Settings::load(config);
  store::SqlStore store(s.db);
  store.migrate();
  engine::SystemClock clock;
  engine::TokenService tokens(store, clock);
  // One line per token, tab-separated; never a secret (only digests are stored).
  std::cout << "id\trole\ttenant\temail\tname\tcreated\trevoked\n";
  for (const auto& t : tokens.list())
    std::cout << t.id << '\t' << engine::roleName(t.role) << '\t'
              << (t.tenant.empty() ? "-" : t.tenant) << '\t' << (t.email.empty() ? "-" : t.email)
              << '\t' << (t.name.empty() ? "-" : t.name) << '\t'
              << engine::Rfc3339::format(t.createdAt) << '\t'
              << (t.revokedAt ? engine::Rfc3339::format(t.revokedAt) : "-") << '\n';
  return 0;
}

int Commands::tokenRevoke(const std::string& id, const std::string& config) {
  Settings s = Settings::load(config);
  store::SqlStore store(s.db);
  store.migrate();
  engine::SystemClock clock;
  engine::TokenService tokens(store, clock);
  auto done = tokens.revoke(id, "cli");
  if (!done) {
    std::cerr << "keywarden: no live token " << id << std::endl;
    return 1;
  }
  std::cerr << "revoked token " << id << "; running servers refuse it within "
            << engine::Duration::format(s.clusterPollMs) << std::endl;
  return 0;
}

int Commands::tokenCreate(const std::vector<std::string>& args, const std::string& config) {
  std::string role, email, tenant, name;
  for (size_t i = 0; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      std::cerr << "keywarden: " << args[i] << " needs a value" << std::endl;
      return 2;
    }
    const std::string& v = args[i + 1];
    if (args[i] == "--role")
      role = v;
    else if (args[i] == "--email")
      email = v;
    else if (args[i] == "--tenant")
      tenant = v;
    else if (args[i] == "--name")
      name = v;
    else {
      std::cerr << "keywarden: unknown option " << args[i] << std::endl;
      return 2;
    }
  }
  auto r = engine::parseRole(role);
  if (!r) {
    std::cerr << "keywarden: --role must be admin, gateway, requester or approver" << std::endl;
    return 2;
  }
  Settings s = Settings::load(config);
  store::SqlStore store(s.db);
  store.migrate();
  engine::SystemClock clock;
  engine::TokenService tokens(store, clock);
  auto minted = tokens.create(*r, tenant, email, name);
  if (!minted) {
    std::cerr << "keywarden: " << minted.error().message << std::endl;
    return 2;
  }
  std::cout << minted.value().plaintext << std::endl;
  std::cerr << "created " << role << " token " << minted.value().token.id
            << "; it is shown only this once" << std::endl;
  return 0;
}

int Commands::auditVerify(const std::string& config) {
  Settings s = Settings::load(config);
  store::SqlStore store(s.db);
  store.migrate();
  Poco::Data::Session session(s.db.connector, s.db.connection);
  store::SqlAuditTrail trail(session, store.dialect());
  store::AuditChainHead head = trail.head();
  engine::AuditChainVerifier v;
  trail.forEachChained(0, [&](const engine::ChainedAuditRow& r) { return v.add(r); });
  v.finish(head.seq, head.hash);
  int64_t unchained = trail.unchainedCount();
  std::string lateId;
  int64_t lateAt = 0;
  trail.forEachUnchained(head.legacyMaxAt + 1, [&](const engine::ChainedAuditRow& r) {
    lateId = r.id;
    lateAt = r.entry.at;
    return false;
  });
  v.checkUnchained(unchained, head.legacyRows, lateId, lateAt);
  if (const auto& b = v.broken()) {
    std::cerr << "keywarden: audit chain broken at ";
    if (b->id.empty())
      std::cerr << "seq " << b->seq;
    else
      std::cerr << "row " << b->id << " (seq " << b->seq
                << (b->at > 0 ? ", at " + engine::Rfc3339::format(b->at) : std::string()) << ")";
    std::cerr << ": " << engine::auditBreakName(b->kind) << ": " << b->message << std::endl;
    return 1;
  }
  std::cout << "audit chain holds: " << v.rows() << " rows (seq 1.." << v.lastSeq() << "), head "
            << v.lastHash() << "; " << unchained << " rows from before the chain (not chained)"
            << std::endl;
  return 0;
}

int Commands::auditExport(const std::vector<std::string>& args, const std::string& config) {
  int64_t since = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string v;
    if (args[i] == "--since" && i + 1 < args.size())
      v = args[++i];
    else if (args[i].rfind("--since=", 0) == 0)
      v = args[i].substr(8);
    else {
      std::cerr << "keywarden: unknown option " << args[i]
                << " (audit export takes --since RFC3339)" << std::endl;
      return 2;
    }
    std::string why;
    auto t = engine::Rfc3339::parse(v, &why);
    if (!t) {
      std::cerr << "keywarden: --since: not an RFC 3339 time (" << why << ")" << std::endl;
      return 2;
    }
    since = *t;
  }
  Settings s = Settings::load(config);
  store::SqlStore store(s.db);
  store.migrate();
  Poco::Data::Session session(s.db.connector, s.db.connection);
  store::SqlAuditTrail trail(session, store.dialect());
  auto out = [&](const engine::ChainedAuditRow& r) {
    std::cout << engine::AuditExport::jsonLine(r) << '\n';
    return true;
  };
  trail.forEachUnchained(since, out);  // rows from before the chain first: they are older
  trail.forEachChained(since, out);
  std::cout.flush();  // nothing on stderr when all went well: stdout is for the SIEM alone
  return std::cout.good() ? 0 : 1;
}

}  // namespace keywarden::app
