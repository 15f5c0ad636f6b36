#pragma once

#include "engine/base/Error.h"

namespace keywarden::api {

// The one place where expected failures become HTTP statuses: each engine kind has one status;
// a Protocol error (api/ProtocolError) has the status of its code (405, 413, 415; 400 for a
// code this table does not know). Stateless; thread-safe.
class ErrorMapper {
 public:
  static int status(const engine::Error& e);
  static int status(engine::ErrorKind kind);
};

}  // namespace keywarden::api
