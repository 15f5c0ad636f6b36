#pragma once

#include "engine/base/Error.h"

namespace keywarden::api {

// The one place where expected failures become HTTP statuses.
class ErrorMapper {
 public:
  static int status(engine::ErrorKind kind);
};

}  // namespace keywarden::api
