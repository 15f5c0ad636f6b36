#pragma once

#include <string>

#include "engine/ports/KeyRepository.h"

namespace keywarden::engine {

// Where an instance leases quota units from and returns them to (the store, in production).
// `keyId` names any key of a lineage: the store serves the quota of the newest (rotation moves
// the quota to the successor, and the rotated-away rows point at it).
class QuotaSource {
 public:
  virtual ~QuotaSource() = default;
  // Hands back `returning` units leased in `periodStart` (leased under an older limit), then
  // leases up to `want` units, in one step.
  virtual QuotaLease lease(const std::string& keyId, int64_t want, int64_t periodStart,
                           int64_t returning = 0) = 0;
  virtual void giveBack(const std::string& keyId, int64_t units, int64_t periodStart) = 0;
};

}  // namespace keywarden::engine
