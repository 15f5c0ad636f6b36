#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace keywarden::api {

// Bounds the total time a connection may take to deliver a request's header (and body),
// which a socket's receive timeout cannot: that timeout applies to each read, so a client
// trickling one byte a second never trips it (slowloris). Each connection registers a Slot and
// arms a deadline while it reads; a thread looks at the slots every `tickMs` and shuts down the
// receive side of a connection whose deadline has passed (shutdown(SHUT_RD)): the blocked read
// returns end-of-stream, the connection answers 408/400 — sending still works — and closes.
// A deadline is therefore kept to within one tick. Thread-safe.
class ConnectionWatchdog {
 public:
  // One connection's state. The owner stores deadlines; the watchdog reads them.
  struct Slot {
    explicit Slot(int socketFd) : fd(socketFd) {}
    const int fd;
    std::atomic<int64_t> deadlineMs{0};  // steady-clock ms; 0 = not reading now
    std::atomic<bool> fired{false};      // the receive side was shut down
    std::mutex busy;                     // held while a request is being handled
  };

  // Registers a slot for the life of this object. The socket must stay open until then.
  class Registration {
   public:
    Registration(ConnectionWatchdog& w, Slot& s) : _w(w), _s(s) { _w.add(&_s); }
    ~Registration() { _w.remove(&_s); }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    ConnectionWatchdog& _w;
    Slot& _s;
  };

  explicit ConnectionWatchdog(int64_t tickMs);
  ~ConnectionWatchdog();
  ConnectionWatchdog(const ConnectionWatchdog&) = delete;
  ConnectionWatchdog& operator=(const ConnectionWatchdog&) = delete;

  // Graceful stop: no slot may start a request afterwards (stopping() is true); waits for each
  // registered connection's request in flight (its `busy` mutex), then shuts its socket down
  // so that connections waiting for a next request end at once.
  void shutdownAll();
  bool stopping() const { return _stopping.load(std::memory_order_acquire); }
  // Connections registered now: each holds a request thread.
  int connections() const { return _count.load(std::memory_order_relaxed); }

  // The clock deadlines are measured on (steady, ms).
  static int64_t nowMs();

 private:
  void add(Slot* s);
  void remove(Slot* s);  // after it returns the watchdog never touches the slot's socket
  void loop();

  const int64_t _tickMs;
  std::mutex _mutex;
  std::condition_variable _cv;
  bool _stop = false;  // guarded by _mutex
  std::atomic<bool> _stopping{false};
  std::atomic<int> _count{0};
  std::unordered_set<Slot*> _slots;  // guarded by _mutex
  std::thread _thread;
};

}  // namespace keywarden::api
