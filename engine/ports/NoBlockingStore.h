#pragma once

#include <exception>

namespace keywarden::engine {

// Marks the calling thread as one that must never wait for the database: the gateway
// listener's event-loop threads (api/gateway/GatewayListener), each of which serves thousands of
// connections. While a NoBlockingStore lives on a thread, every Store::read and Store::write
// called on it throws NoBlockingStore::WouldBlock before it takes a connection or a lock, and the
// check path's other waits for a store-bound thread (a quota account locked by a lease under
// way) throw it too. The listener then parks the connection, answers the request again on a
// worker thread that may block, and goes on serving the other connections meanwhile.
//
// Whatever throws WouldBlock must have changed nothing that a second run of the same request
// would count twice (see Verifier::verify, QuotaAccount::tryConsume, MissLookup::tryLoad).
// Thread-safety: the mark is thread-local; nesting is allowed.
class NoBlockingStore {
 public:
  class WouldBlock : public std::exception {
   public:
    const char* what() const noexcept override {
      return "a database call on a thread that must not block (the gateway listener's loop)";
    }
  };

  NoBlockingStore() { ++depth(); }
  ~NoBlockingStore() { --depth(); }
  NoBlockingStore(const NoBlockingStore&) = delete;
  NoBlockingStore& operator=(const NoBlockingStore&) = delete;

  static bool active() { return depth() > 0; }
  // Throws WouldBlock when the calling thread is marked.
  static void check() {
    if (active()) throw WouldBlock();
  }

 private:
  static int& depth() {
    static thread_local int d = 0;
    return d;
  }
};

}  // namespace keywarden::engine
