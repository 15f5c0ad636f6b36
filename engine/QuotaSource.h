#pragma once

#include <string>

#include "engine/KeyRepository.h"

namespace keywarden::engine {

// Where an instance leases quota units from and returns them to (the store, in production).
class QuotaSource {
 public:
  virtual ~QuotaSource() = default;
  virtual QuotaLease lease(const std::string& keyId, int64_t want, int64_t periodStart) = 0;
  virtual void giveBack(const std::string& keyId, int64_t units, int64_t periodStart) = 0;
};

}  // namespace keywarden::engine
