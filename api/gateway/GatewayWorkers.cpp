#include "api/gateway/GatewayWorkers.h"

namespace keywarden::api::gateway {

GatewayWorkers::GatewayWorkers(int threads) {
  for (int i = 0; i < threads; ++i)
    _threads.emplace_back([this] {
      for (;;) {
        std::function<void()> job;
        {
          std::unique_lock<std::mutex> lock(_m);
          _cv.wait(lock, [this] { return _stopping || !_jobs.empty(); });
          if (_stopping) return;
          job = std::move(_jobs.front());
          _jobs.pop_front();
        }
        job();
      }
    });
}

GatewayWorkers::~GatewayWorkers() {
  stop();
}

bool GatewayWorkers::post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(_m);
    if (_stopping) return false;
    _jobs.push_back(std::move(job));
  }
  _cv.notify_one();
  return true;
}

void GatewayWorkers::stop() {
  {
    std::lock_guard<std::mutex> lock(_m);
    _stopping = true;
    _jobs.clear();
  }
  _cv.notify_all();
  for (auto& t : _threads)
    if (t.joinable()) t.join();
  _threads.clear();
}

}  // namespace keywarden::api::gateway
