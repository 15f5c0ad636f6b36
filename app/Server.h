#pragma once

#include <memory>

#include "app/Settings.h"

namespace keywarden::app {

// `keywarden serve`: wires store, engine and API together, serves HTTP (and HTTPS when
// configured) until SIGTERM/SIGINT, then shuts down gracefully: stops accepting, finishes
// requests in flight, flushes usage and returns unspent quota to the store.
class Server {
 public:
  explicit Server(Settings settings);
  ~Server();
  // Blocks until a termination signal. Returns the process exit code.
  int run();

 private:
  struct Parts;
  Settings _settings;
  std::unique_ptr<Parts> _parts;
};

}  // namespace keywarden::app
