#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/AcceptPauseCounter.h"
#include "api/gateway/GatewayConnection.h"
#include "api/gateway/GatewayEndpoints.h"
#include "api/gateway/GatewayWorkers.h"

namespace keywarden::api::gateway {

// The event-driven listener of gateway.port (README "Gateway listener"): libevent 2.1 loops,
// one per thread (gateway.loops, default one per core), all watching one listening socket
// (no SO_REUSEPORT: a second server on the port is refused, not given half the connections).
// Each loop owns its connections from accept to close; a connection costs a few hundred bytes
// and no thread, so idle connections never hold a check back. The HTTP work is
// GatewayConnection's; the answers are GatewayEndpoints'.
//
// The loops never wait for the database: their threads are marked NoBlockingStore, and a
// request whose answer needs the store (a quota lease, a key issued on another instance, a
// gateway token not seen yet) parks its connection and is answered on one of kWorkers worker
// threads (GatewayWorkers), whose completion wakes the loop (event_active, thread-safe); the
// loop serves its other connections meanwhile, and the parked one's pipelined requests are
// answered after it, in order.
//
// Thread-safety: start() and stop() are called from one thread; stop() ends the loops, the
// destructor closes every connection.
class GatewayListener {
 public:
  // Binds and listens on address:port (port 0: any free port); returns the socket. Throws
  // std::runtime_error naming gateway.address or gateway.port when it cannot.
  static int listenOn(const std::string& address, int port);
  // Takes `fd` (from listenOn) and creates `loops` loops (0: one per core).
  GatewayListener(GatewayEndpoints& endpoints, GatewayLimits limits, int fd, int loops);
  ~GatewayListener();
  GatewayListener(const GatewayListener&) = delete;
  GatewayListener& operator=(const GatewayListener&) = delete;

  void start();
  void stop();
  int port() const { return _port; }
  int loops() const { return static_cast<int>(_loops.size()); }
  // Connections accepted since the start, and open now (for /metrics).
  uint64_t accepted() const { return _accepted.load(std::memory_order_relaxed); }
  int64_t open() const { return _open.load(std::memory_order_relaxed); }
  void countAccepted() {
    _accepted.fetch_add(1, std::memory_order_relaxed);
    _open.fetch_add(1, std::memory_order_relaxed);
  }
  void countClosed() { _open.fetch_sub(1, std::memory_order_relaxed); }
  // accept() failed for want of a descriptor or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): the
  // loop stops watching the listening socket for kAcceptPauseMs (or until one of its connections
  // closes) instead of spinning on it. Counts
  // the pause and logs one line (the errno's text) at most a minute (api/AcceptPauseCounter).
  // Thread-safe.
  void countAcceptPause(int err);
  uint64_t acceptPauses() const { return _acceptPauses.total(); }
  static constexpr int64_t kAcceptPauseMs = 100;
  GatewayEndpoints& endpoints() { return _endpoints; }
  GatewayWorkers& workers() { return *_workers; }
  static constexpr int kWorkers = 4;  // requests waiting for the database at once
  const GatewayLimits& limits() const { return _limits; }

  struct Loop;  // one libevent base, its thread and its connections (GatewayListener.cpp)

 private:
  GatewayEndpoints& _endpoints;
  const GatewayLimits _limits;
  int _fd = -1;
  int _port = 0;
  std::vector<std::unique_ptr<Loop>> _loops;
  std::vector<std::thread> _threads;
  std::unique_ptr<GatewayWorkers> _workers;
  bool _started = false;
  std::atomic<uint64_t> _accepted{0};
  std::atomic<int64_t> _open{0};
  AcceptPauseCounter _acceptPauses{"gateway.port"};
};

}  // namespace keywarden::api::gateway
