#pragma once

#include "engine/check/QuotaSource.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// Leases quota units from the keys table, each lease one short write transaction.
class StoreQuotaSource : public QuotaSource {
 public:
  explicit StoreQuotaSource(Store& store) : _store(store) {}
  QuotaLease lease(const std::string& keyId, int64_t want, int64_t periodStart,
                   int64_t returning) override;
  void giveBack(const std::string& keyId, int64_t units, int64_t periodStart) override;

 private:
  Store& _store;
};

}  // namespace keywarden::engine
