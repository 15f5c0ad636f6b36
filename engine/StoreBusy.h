#pragma once

#include <stdexcept>
#include <string>

namespace keywarden::engine {

// A write transaction the database aborted because of other transactions (a deadlock between
// instances, a lock wait past the timeout). Nothing was written; the caller may try again —
// the HTTP layer answers 503 with Retry-After. Not retried inside the store: the transaction's
// function may have changed state it captured, so running it twice is not safe in general.
class StoreBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace keywarden::engine
