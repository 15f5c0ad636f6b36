#pragma once

#include <stdexcept>
#include <string>

namespace keywarden::engine {

// A transaction the database could not complete for reasons outside the request: another
// transaction (a deadlock between instances, a lock wait past the timeout: code STORE_BUSY) or
// a lost connection (STORE_UNAVAILABLE; the store opens a fresh one for the next call).
// Nothing was written; the caller may try again — the HTTP layer answers 503 with
// Retry-After. Not retried inside the store: the transaction's function may have changed state
// it captured, so running it twice is not safe in general.
class StoreBusy : public std::runtime_error {
 public:
  StoreBusy(std::string code, const std::string& what)
      : std::runtime_error(what), _code(std::move(code)) {}
  const std::string& code() const { return _code; }

 private:
  std::string _code;
};

}  // namespace keywarden::engine
