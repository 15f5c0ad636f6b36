#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/base/BackgroundLoop.h"
#include "engine/base/Clock.h"
#include "engine/model/Job.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// Runs due jobs. One thread that sleeps until the next job falls due (or wake() is called after
// a commit that scheduled one) — no polling tick. Each batch of due jobs runs in one write
// transaction together with their effects and the DONE marks, so a job happens once for its due
// time; a crash rolls the batch back and it runs after restart (catch-up is simply "everything
// already due"). A job that throws is retried alone with back-off (1 s doubling, up to 5 min)
// and its error is kept; after `maxAttempts` it is FAILED. With a shared database, claimed rows
// are locked (FOR UPDATE SKIP LOCKED) so two instances never run one job.
class Scheduler {
 public:
  using Handler = std::function<void(Transaction& tx, const Job& job, int64_t now)>;

  Scheduler(Store& store, const Clock& clock, int batch = 2000, int maxAttempts = 10);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Jobs of this kind in one batch are handed over together (set-based work: 100 000 keys
  // expiring in one second are a few hundred statements, not a few hundred thousand).
  using BatchHandler =
      std::function<void(Transaction& tx, const std::vector<Job>& jobs, int64_t now)>;

  // Who runs each kind: engine/jobs/JobRunners (one table for app/Wiring and the tests).
  void on(JobKind kind, Handler h) { _handlers[jobKindName(kind)] = std::move(h); }
  void onBatch(JobKind kind, BatchHandler h) { _batchHandlers[jobKindName(kind)] = std::move(h); }
  // Whether a runner is registered for `kind`.
  bool runs(JobKind kind) const {
    return _handlers.count(jobKindName(kind)) > 0 || _batchHandlers.count(jobKindName(kind)) > 0;
  }
  void start();
  void stop();
  void wake();
  // The longest the thread sleeps without looking at the job table again (default 60 s). With
  // several instances on one database, jobs another instance writes wake nobody here: keep it
  // short (the next due job is one indexed query).
  void setMaxIdle(int64_t ms) { _maxIdleMs = ms; }
  // Runs everything due now (tests drive it with a manual clock); returns the jobs done.
  int runDue();

 private:
  int runBatch(int64_t now);
  void runOne(const Job& job, int64_t now);
  void fail(const Job& job, const std::string& error, int64_t now);
  // One round of the scheduler's thread: runDue(), then how long to sleep (until the next due
  // job, at most _maxIdleMs).
  int64_t step();

  Store& _store;
  const Clock& _clock;
  const int _batch;
  const int _maxAttempts;
  int64_t _maxIdleMs = 60000;
  std::map<std::string, Handler> _handlers;
  std::map<std::string, BatchHandler> _batchHandlers;
  BackgroundLoop _loop;  // step() at once, then again when it asks or on wake()
};

}  // namespace keywarden::engine
