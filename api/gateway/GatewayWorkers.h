#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace keywarden::api::gateway {

// The few threads on which the gateway listener answers the requests that must wait for the
// database (a quota lease, a key or gateway token not in memory yet: NoBlockingStore), so that
// the event loops never do. Jobs run in the order they were posted, `threads` at a time; a job
// posts its completion back to its loop itself. stop() lets the jobs under way finish, runs no
// more and joins. Thread-safe.
class GatewayWorkers {
 public:
  explicit GatewayWorkers(int threads);
  ~GatewayWorkers();
  GatewayWorkers(const GatewayWorkers&) = delete;
  GatewayWorkers& operator=(const GatewayWorkers&) = delete;

  // False once stopped (the job is not run).
  bool post(std::function<void()> job);
  void stop();

 private:
  std::mutex _m;
  std::condition_variable _cv;
  std::deque<std::function<void()>> _jobs;
  bool _stopping = false;
  std::vector<std::thread> _threads;
};

}  // namespace keywarden::api::gateway
