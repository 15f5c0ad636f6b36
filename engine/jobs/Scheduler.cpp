#include "engine/jobs/Scheduler.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <stdexcept>

namespace keywarden::engine {

Scheduler::Scheduler(Store& store, const Clock& clock, int batch, int maxAttempts)
    : _store(store),
      _clock(clock),
      _batch(batch),
      _maxAttempts(maxAttempts),
      _loop("kw-scheduler", 0, [this] { return step(); }) {}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  _loop.start();
}

void Scheduler::stop() {
  _loop.stop();
}

void Scheduler::wake() {
  _loop.wake();
}

namespace {
struct BatchFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace

int Scheduler::runBatch(int64_t now) {
  int done = 0;
  std::vector<Job> claimed;
  try {
    _store.write([&](Transaction& tx) {
      claimed = tx.jobs().claimDue(now, _batch);
      std::map<std::string, std::vector<Job>> grouped;
      for (const auto& j : claimed) {
        if (_batchHandlers.count(j.kind)) {
          grouped[j.kind].push_back(j);
          continue;
        }
        auto h = _handlers.find(j.kind);
        if (h == _handlers.end()) throw BatchFailed("no handler for job kind " + j.kind);
        h->second(tx, j, now);
      }
      for (const auto& [kind, jobs] : grouped) _batchHandlers.at(kind)(tx, jobs, now);
      std::vector<std::string> ids;
      ids.reserve(claimed.size());
      for (const auto& j : claimed) ids.push_back(j.id);
      tx.jobs().markDoneMany(ids, now);
      done = static_cast<int>(claimed.size());
    });
    return done;
  } catch (const std::exception& e) {
    if (claimed.size() == 1) {
      fail(claimed.front(), e.what(), now);
      return 1;
    }
    // One job spoiled the batch: run them one by one so only the failing one waits.
    for (const auto& j : claimed) runOne(j, now);
    return static_cast<int>(claimed.size());
  }
}

void Scheduler::fail(const Job& job, const std::string& error, int64_t now) {
  int attempts = job.attempts + 1;
  int64_t delay = std::min<int64_t>(300000, 1000LL << std::min(attempts - 1, 20));
  Poco::Logger::get("keywarden.jobs")
      .warning("job %s (%s %s) failed, attempt %d: %s", job.id, job.kind, job.refId, attempts,
               error);
  _store.write([&](Transaction& tx) {
    if (attempts >= _maxAttempts)
      tx.jobs().markFailed(job.id, error, attempts);
    else
      tx.jobs().markRetry(job.id, error, now + delay, attempts);
  });
}

void Scheduler::runOne(const Job& job, int64_t now) {
  try {
    _store.write([&](Transaction& tx) {
      auto b = _batchHandlers.find(job.kind);
      auto h = _handlers.find(job.kind);
      if (b != _batchHandlers.end())
        b->second(tx, {job}, now);
      else if (h != _handlers.end())
        h->second(tx, job, now);
      else
        throw std::runtime_error("no handler for job kind " + job.kind);
      tx.jobs().markDone(job.id, now);
    });
  } catch (const std::exception& e) {
    fail(job, e.what(), now);
  }
}

int Scheduler::runDue() {
  int total = 0;
  while (true) {
    int n = runBatch(_clock.nowMs());
    total += n;
    if (n < _batch) return total;
  }
}

int64_t Scheduler::step() {
  try {
    runDue();
  } catch (const std::exception& e) {
    Poco::Logger::get("keywarden.jobs").error("scheduler: %s", std::string(e.what()));
  }
  std::optional<int64_t> next;
  try {
    _store.read([&](Transaction& tx) { next = tx.jobs().nextDue(); });
  } catch (const std::exception&) {
    next = _clock.nowMs() + 1000;
  }
  return next ? std::clamp<int64_t>(*next - _clock.nowMs(), 0, _maxIdleMs) : _maxIdleMs;
}

}  // namespace keywarden::engine
