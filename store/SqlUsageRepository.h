#pragma once

#include <Poco/Data/Session.h>

#include "engine/ports/UsageRepository.h"
#include "store/Dialect.h"

namespace keywarden::store {

// The usage history (tables usage_counts, usage_rollup; migration 9). One row per grain,
// key, bucket start and outcome; the key's client and tenant are kept in the row so a
// client's history outlives its purged keys.
class SqlUsageRepository : public engine::UsageRepository {
 public:
  SqlUsageRepository(Poco::Data::Session& s, const Dialect& d) : _s(s), _d(d) {}
  void add(engine::UsageGrain g, const std::vector<engine::UsageRow>& rows) override;
  std::vector<engine::UsageCount> forKey(engine::UsageGrain g, const std::string& keyId,
                                         int64_t from, int64_t to) override;
  std::vector<engine::UsageCount> forClient(engine::UsageGrain g, const std::string& clientId,
                                            int64_t from, int64_t to) override;
  void rollUp(engine::UsageGrain from, engine::UsageGrain to, int64_t since,
              int64_t until) override;
  int64_t rolledUntil(engine::UsageGrain g) override;
  void setRolledUntil(engine::UsageGrain g, int64_t until) override;
  int64_t purge(engine::UsageGrain g, int64_t before) override;

 private:
  std::vector<engine::UsageCount> sums(const std::string& column, engine::UsageGrain g,
                                       const std::string& id, int64_t from, int64_t to);
  Poco::Data::Session& _s;
  const Dialect& _d;
};

}  // namespace keywarden::store
