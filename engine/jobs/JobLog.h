#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/base/Clock.h"
#include "engine/base/Result.h"
#include "engine/model/AccessToken.h"
#include "engine/model/Job.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// GET /v1/jobs: scheduled work, its due time, attempts and last error; POST
// /v1/jobs/{id}/retry: a FAILED job given another round. Jobs carry no tenant (housekeeping
// crosses tenants, and a job's key or application may be purged), so both are for admins of
// every tenant only, as the mail log is. Thread-safe.
class JobLog {
 public:
  JobLog(Store& store, const Clock& clock) : _store(store), _clock(clock) {}
  Result<std::vector<Job>> list(const Principal& p, const std::string& status,
                                const std::string& kind);
  // The job `id`: 404 NOT_FOUND for an unknown id; 403 as list().
  Result<Job> get(const Principal& p, const std::string& id);
  // The FAILED job `id` back to PENDING, due now, its attempts counted from 0 again and its last
  // error cleared (the audit row keeps it: job.retry, actor `p`, detail previousError and
  // attempts), in one transaction.
  // 403 FORBIDDEN_ROLE unless an admin of every tenant; 404 NOT_FOUND for an unknown id; 409
  // INVALID_STATE unless FAILED.
  Result<Job> retry(const Principal& p, const std::string& id);
  // Called after a retry commits (the scheduler wakes up).
  void onRetry(std::function<void()> wake) { _wake = std::move(wake); }

 private:
  Store& _store;
  const Clock& _clock;
  std::function<void()> _wake;
};

}  // namespace keywarden::engine
