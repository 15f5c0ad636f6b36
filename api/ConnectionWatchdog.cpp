#include "api/ConnectionWatchdog.h"

#include <sys/socket.h>

#include <chrono>

namespace keywarden::api {

ConnectionWatchdog::ConnectionWatchdog(int64_t tickMs)
    : _tickMs(tickMs < 1 ? 1 : tickMs), _thread([this] { loop(); }) {}

ConnectionWatchdog::~ConnectionWatchdog() {
  {
    std::lock_guard<std::mutex> lock(_mutex);
    _stop = true;
  }
  _cv.notify_all();
  _thread.join();
}

int64_t ConnectionWatchdog::nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void ConnectionWatchdog::add(Slot* s) {
  std::lock_guard<std::mutex> lock(_mutex);
  _slots.insert(s);
  _count.store(static_cast<int>(_slots.size()), std::memory_order_relaxed);
}

void ConnectionWatchdog::remove(Slot* s) {
  std::lock_guard<std::mutex> lock(_mutex);
  _slots.erase(s);
  _count.store(static_cast<int>(_slots.size()), std::memory_order_relaxed);
}

void ConnectionWatchdog::shutdownAll() {
  _stopping.store(true, std::memory_order_release);
  std::lock_guard<std::mutex> lock(_mutex);
  for (Slot* s : _slots) {
    std::lock_guard<std::mutex> busy(s->busy);
    ::shutdown(s->fd, SHUT_RDWR);
  }
}

void ConnectionWatchdog::loop() {
  std::unique_lock<std::mutex> lock(_mutex);
  while (!_stop) {
    _cv.wait_for(lock, std::chrono::milliseconds(_tickMs));
    int64_t now = nowMs();
    // Under the mutex: a slot's socket stays open while it is registered, so the descriptor
    // cannot have been reused for another connection.
    for (Slot* s : _slots) {
      int64_t d = s->deadlineMs.load(std::memory_order_relaxed);
      if (d != 0 && now >= d && !s->fired.exchange(true)) ::shutdown(s->fd, SHUT_RD);
    }
  }
}

}  // namespace keywarden::api
