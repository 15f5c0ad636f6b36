#include "store/SqlUsageRepository.h"

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace keywarden::store {

namespace {
Poco::Int64 grainOf(engine::UsageGrain g) {
  return static_cast<Poco::Int64>(g);
}
}  // namespace

void SqlUsageRepository::add(engine::UsageGrain g, const std::vector<engine::UsageRow>& rows) {
  if (rows.empty()) return;
  // One prepared statement, executed once per row (Poco binds the vectors row by row).
  std::vector<Poco::Int64> grain(rows.size(), grainOf(g)), start, n;
  std::vector<std::string> key, code, client, tenant;
  start.reserve(rows.size());
  n.reserve(rows.size());
  key.reserve(rows.size());
  code.reserve(rows.size());
  client.reserve(rows.size());
  tenant.reserve(rows.size());
  for (const auto& r : rows) {
    start.push_back(r.start);
    n.push_back(r.count);
    key.push_back(r.keyId);
    code.push_back(r.code);
    client.push_back(r.clientId);
    tenant.push_back(r.tenant);
  }
  _s << "INSERT INTO usage_counts (grain, start_ms, key_id, code, client_id, tenant, n)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (grain, key_id, start_ms, code) DO UPDATE SET n = usage_counts.n + "
        "excluded.n",
      use(grain), use(start), use(key), use(code), use(client), use(tenant), use(n), now;
}

std::vector<engine::UsageCount> SqlUsageRepository::sums(const std::string& column,
                                                         engine::UsageGrain g,
                                                         const std::string& id0, int64_t from0,
                                                         int64_t to0) {
  Poco::Int64 grain = grainOf(g), from = from0, to = to0;
  std::string id = id0;
  std::vector<Poco::Int64> start, n;
  std::vector<std::string> code;
  // `column` is one of two fixed names chosen by the callers below, never input.
  _s << "SELECT start_ms, code, SUM(n) FROM usage_counts WHERE grain = $1 AND " + column +
            " = $2 AND start_ms >= $3 AND start_ms < $4 GROUP BY start_ms, code"
            " ORDER BY start_ms, code",
      use(grain), use(id), use(from), use(to), into(start), into(code), into(n), now;
  std::vector<engine::UsageCount> out(start.size());
  for (size_t i = 0; i < start.size(); ++i) out[i] = {start[i], code[i], n[i]};
  return out;
}

std::vector<engine::UsageCount> SqlUsageRepository::forKey(engine::UsageGrain g,
                                                           const std::string& keyId, int64_t from,
                                                           int64_t to) {
  return sums("key_id", g, keyId, from, to);
}

std::vector<engine::UsageCount> SqlUsageRepository::forClient(engine::UsageGrain g,
                                                              const std::string& clientId,
                                                              int64_t from, int64_t to) {
  return sums("client_id", g, clientId, from, to);
}

void SqlUsageRepository::rollUp(engine::UsageGrain from, engine::UsageGrain to, int64_t since0,
                                int64_t until0) {
  Poco::Int64 toGrain = grainOf(to), width = engine::usageGrainMs(to), fromGrain = grainOf(from),
              since = since0, until = until0;
  _s << "INSERT INTO usage_counts (grain, start_ms, key_id, code, client_id, tenant, n)"
        " SELECT CAST($1 AS BIGINT), (start_ms / CAST($2 AS BIGINT)) * CAST($2 AS BIGINT),"
        " key_id, code, MAX(client_id), MAX(tenant), SUM(n) FROM usage_counts"
        " WHERE grain = $3 AND start_ms >= $4 AND start_ms < $5"
        " GROUP BY (start_ms / CAST($2 AS BIGINT)) * CAST($2 AS BIGINT), key_id, code"
        " ON CONFLICT (grain, key_id, start_ms, code) DO UPDATE SET n = usage_counts.n + "
        "excluded.n",
      use(toGrain), use(width), use(fromGrain), use(since), use(until), now;
}

int64_t SqlUsageRepository::rolledUntil(engine::UsageGrain g) {
  Poco::Int64 grain = grainOf(g);
  std::vector<Poco::Int64> until;
  _s << "SELECT done_until FROM usage_rollup WHERE grain = $1" + _d.forUpdate(), use(grain),
      into(until), now;
  return until.empty() ? 0 : until[0];
}

void SqlUsageRepository::setRolledUntil(engine::UsageGrain g, int64_t until0) {
  Poco::Int64 grain = grainOf(g), until = until0;
  _s << "UPDATE usage_rollup SET done_until = $1 WHERE grain = $2", use(until), use(grain), now;
}

int64_t SqlUsageRepository::purge(engine::UsageGrain g, int64_t before0) {
  Poco::Int64 grain = grainOf(g), before = before0;
  Poco::Data::Statement st(_s);
  st << "DELETE FROM usage_counts WHERE grain = $1 AND start_ms < $2", use(grain), use(before);
  return static_cast<int64_t>(st.execute());
}

}  // namespace keywarden::store
