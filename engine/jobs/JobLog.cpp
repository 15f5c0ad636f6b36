#include "engine/jobs/JobLog.h"

namespace keywarden::engine {

Result<std::vector<Job>> JobLog::list(const Principal& p, const std::string& status,
                                      const std::string& kind) {
  if (p.role != Role::Admin || !p.tenant.empty())
    return Error::forbidden("FORBIDDEN_ROLE", "the job list is for admin tokens of all tenants");
  if (!status.empty() && status != "PENDING" && status != "DONE" && status != "FAILED" &&
      status != "CANCELLED")
    return Error::badInput("status", "status must be PENDING, DONE, FAILED or CANCELLED");
  std::vector<Job> out;
  _store.read([&](Transaction& tx) { out = tx.jobs().list(status, kind); });
  return out;
}

}  // namespace keywarden::engine
