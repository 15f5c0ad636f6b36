#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model/Job.h"

namespace keywarden::engine {

// Scheduled jobs. Methods run inside the caller's Transaction.
class JobRepository {
 public:
  virtual ~JobRepository() = default;
  virtual void insert(const Job& j) = 0;
  // Cancels the pending jobs of `kind` for `refId` (every kind when `kind` is empty).
  virtual void cancel(const std::string& kind, const std::string& refId, int64_t at) = 0;
  // Up to `limit` pending jobs due at `now`, oldest first, locked for this transaction (other
  // instances skip them).
  virtual std::vector<Job> claimDue(int64_t now, int limit) = 0;
  virtual void markDone(const std::string& id, int64_t at) = 0;
  virtual void markDoneMany(const std::vector<std::string>& ids, int64_t at) = 0;
  // Cancels the pending jobs other than `keepKind` of many references at once.
  virtual void cancelOthers(const std::vector<std::string>& refIds, const std::string& keepKind,
                            int64_t at) = 0;
  virtual void markRetry(const std::string& id, const std::string& error, int64_t nextDueAt,
                         int attempts) = 0;
  virtual void markFailed(const std::string& id, const std::string& error, int attempts) = 0;
  virtual std::optional<int64_t> nextDue() = 0;
  virtual std::vector<Job> list(const std::string& status, const std::string& kind) = 0;
  // The job `id`, or nullopt.
  virtual std::optional<Job> find(const std::string& id) = 0;
  // A FAILED job back to PENDING, due at `dueAt`, attempts 0, last error cleared; false when it
  // is not FAILED (any more).
  virtual bool requeueFailed(const std::string& id, int64_t dueAt) = 0;
  virtual bool pendingExists(const std::string& kind) = 0;
  // Queue figures for /metrics: PENDING and FAILED counts, and the due time (ms) of the oldest
  // PENDING job due at or before `now` (0 when none is overdue).
  struct Figures {
    int64_t pending = 0, failed = 0, oldestOverdueDueAt = 0;
  };
  virtual Figures figures(int64_t now) = 0;
};

}  // namespace keywarden::engine
