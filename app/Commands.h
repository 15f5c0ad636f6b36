#pragma once

#include <string>
#include <vector>

namespace keywarden::app {

// The command line of contract §1: `serve`, `migrate`, `token create`. Returns the exit code:
// 0 done, 2 bad usage or settings (one line on stderr), 1 any other failure.
class Commands {
 public:
  static int main(const std::vector<std::string>& args);

 private:
  static int serve(const std::string& config);
  static int migrate(const std::string& config);
  static int tokenCreate(const std::vector<std::string>& args, const std::string& config);
  static int tokenList(const std::string& config);
  static int tokenRevoke(const std::string& id, const std::string& config);
  // keywarden backup FILE / restore FILE (SQLite; store/SqliteBackup). Exit 0, 1 on a refusal
  // or failure (one line naming the file and why), 2 on a PostgreSQL store or bad settings.
  static int backup(const std::string& file, const std::string& config);
  static int restore(const std::string& file, const std::string& config);
  // keywarden reload: signals the server of this configuration (its pid file, app/ControlFiles)
  // with SIGHUP and waits for its outcome. Exit 0 reloaded (prints what), 1 refused (prints the
  // file and the problem; the old set keeps serving) or no server running, 2 bad settings.
  static int reload(const std::string& config);
  // keywarden audit verify: recomputes the audit hash chain (docs/audit.md); exit 0 when it
  // holds, 1 naming the first broken row. keywarden audit export [--since RFC3339]: JSON lines
  // on stdout, one per row (engine/audit/AuditExport); exit 2 on a bad --since.
  static int auditVerify(const std::string& config);
  static int auditExport(const std::vector<std::string>& args, const std::string& config);
  static void usage();
};

}  // namespace keywarden::app
