#pragma once

#include <string>
#include <vector>

#include "engine/base/Result.h"
#include "engine/model/AccessToken.h"
#include "engine/model/Job.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// GET /v1/jobs: scheduled work, its due time, attempts and last error.
class JobLog {
 public:
  explicit JobLog(Store& store) : _store(store) {}
  Result<std::vector<Job>> list(const Principal& p, const std::string& status,
                                const std::string& kind);

 private:
  Store& _store;
};

}  // namespace keywarden::engine
