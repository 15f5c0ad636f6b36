#include "engine/check/StoreQuotaSource.h"

namespace keywarden::engine {

QuotaLease StoreQuotaSource::lease(const std::string& keyId, int64_t want, int64_t periodStart,
                                   int64_t returning) {
  QuotaLease l;
  _store.write(
      [&](Transaction& tx) { l = tx.keys().leaseQuota(keyId, want, periodStart, returning); });
  return l;
}

void StoreQuotaSource::giveBack(const std::string& keyId, int64_t units, int64_t periodStart) {
  _store.write([&](Transaction& tx) { tx.keys().returnQuota(keyId, units, periodStart); });
}

}  // namespace keywarden::engine
