#include "engine/jobs/JobLog.h"

#include "engine/text/JsonText.h"

namespace keywarden::engine {

namespace {
std::optional<Error> adminOfAll(const Principal& p) {
  if (p.role != Role::Admin || !p.tenant.empty())
    return Error::forbidden("FORBIDDEN_ROLE", "scheduled jobs are for admin tokens of all tenants");
  return std::nullopt;
}
}  // namespace

Result<std::vector<Job>> JobLog::list(const Principal& p, const std::string& status,
                                      const std::string& kind) {
  if (auto e = adminOfAll(p)) return *e;
  if (!status.empty() && status != "PENDING" && status != "DONE" && status != "FAILED" &&
      status != "CANCELLED")
    return Error::badInput("status", "status must be PENDING, DONE, FAILED or CANCELLED");
  std::vector<Job> out;
  _store.read([&](Transaction& tx) { out = tx.jobs().list(status, kind); });
  return out;
}

Result<Job> JobLog::get(const Principal& p, const std::string& id) {
  if (auto e = adminOfAll(p)) return *e;
  std::optional<Job> job;
  _store.read([&](Transaction& tx) { job = tx.jobs().find(id); });
  if (!job) return Error::notFound("job", id);
  return std::move(*job);
}

Result<Job> JobLog::retry(const Principal& p, const std::string& id) {
  if (auto e = adminOfAll(p)) return *e;
  return _store.write([&](Transaction& tx) -> Result<Job> {
    auto job = tx.jobs().find(id);
    if (!job) return Error::notFound("job", id);
    int64_t now = _clock.nowMs();
    if (job->status != "FAILED" || !tx.jobs().requeueFailed(id, now))
      return Error::conflict("INVALID_STATE", "job '" + id + "' is " + job->status +
                                                  "; only a FAILED job can be retried");
    tx.audit().append({now, p.actor(), "job.retry", "job", id, "",
                       "{\"kind\":" + JsonText::quoted(job->kind) +
                           ",\"refId\":" + JsonText::quoted(job->refId) +
                           ",\"previousError\":" + JsonText::quoted(job->lastError) +
                           ",\"attempts\":" + std::to_string(job->attempts) + "}"});
    if (_wake) tx.afterCommit(_wake);
    return *tx.jobs().find(id);
  });
}

}  // namespace keywarden::engine
