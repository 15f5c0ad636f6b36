#include "engine/base/BackgroundLoop.h"

#include <chrono>

#include "engine/base/BackgroundThread.h"

namespace keywarden::engine {

BackgroundLoop::BackgroundLoop(std::string name, int64_t firstWaitMs, Step step)
    : _name(std::move(name)), _firstWaitMs(firstWaitMs), _step(std::move(step)) {}

BackgroundLoop::~BackgroundLoop() {
  stop();
}

void BackgroundLoop::start() {
  _thread = std::thread([this] {
    markBackgroundThread(_name.c_str());
    run();
  });
}

bool BackgroundLoop::stop() {
  {
    std::lock_guard<std::mutex> lock(_m);
    if (_stopping && !_thread.joinable()) return false;
    _stopping = true;
  }
  _cv.notify_all();
  if (_thread.joinable()) _thread.join();
  return true;
}

void BackgroundLoop::wake() {
  {
    std::lock_guard<std::mutex> lock(_m);
    _woken = true;
  }
  _cv.notify_all();
}

void BackgroundLoop::run() {
  int64_t waitMs = _firstWaitMs;
  std::unique_lock<std::mutex> lock(_m);
  while (true) {
    if (waitMs > 0)
      _cv.wait_for(lock, std::chrono::milliseconds(waitMs), [this] { return _stopping || _woken; });
    if (_stopping) return;
    _woken = false;
    lock.unlock();
    waitMs = _step();
    lock.lock();
  }
}

}  // namespace keywarden::engine
