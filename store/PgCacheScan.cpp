#include "store/PgCacheScan.h"

#include <Poco/Data/PostgreSQL/SessionImpl.h>
#include <libpq-fe.h>

#include <charconv>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/CacheRowDecoder.h"

namespace keywarden::store {

namespace {

using Result = std::unique_ptr<PGresult, void (*)(PGresult*)>;

Result exec(PGconn* c, const std::string& sql, ExecStatusType want) {
  Result r(PQexec(c, sql.c_str()), PQclear);
  if (!r || PQresultStatus(r.get()) != want)
    throw std::runtime_error("loading the key cache: " +
                             std::string(r ? PQresultErrorMessage(r.get()) : PQerrorMessage(c)));
  return r;
}

struct PgRow {
  const PGresult* r;
  int row;
  std::string_view text(int col) const {
    return {PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col))};
  }
  int64_t i64(int col) const {
    std::string_view t = text(col);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size())
      throw std::runtime_error("api_keys: a number column holds '" + std::string(t) + "'");
    return v;
  }
};

}  // namespace

void PgCacheScan::run(Poco::Data::Session& s, size_t chunk,
                      const std::function<void(std::vector<engine::Key>&)>& fn) {
  auto* impl = dynamic_cast<Poco::Data::PostgreSQL::SessionImpl*>(s.impl());
  if (impl == nullptr) throw std::runtime_error("PgCacheScan needs a PostgreSQL session");
  Poco::Data::PostgreSQL::SessionHandle& handle = impl->handle();
  Poco::FastMutex::ScopedLock lock(handle.mutex());
  PGconn* c = handle;
  exec(c,
       std::string("DECLARE kw_cache_scan NO SCROLL CURSOR FOR SELECT ") +
           CacheRowDecoder::kCacheColumns + " FROM api_keys",
       PGRES_COMMAND_OK);
  const std::string fetch = "FETCH " + std::to_string(chunk) + " FROM kw_cache_scan";
  std::vector<engine::Key> keys;
  for (;;) {
    Result r = exec(c, fetch, PGRES_TUPLES_OK);
    const int rows = PQntuples(r.get());
    if (rows == 0) break;
    keys.resize(static_cast<size_t>(rows));
    for (int i = 0; i < rows; ++i) CacheRowDecoder::decode(PgRow{r.get(), i}, keys[i]);
    fn(keys);
    if (static_cast<size_t>(rows) < chunk) break;
  }
  exec(c, "CLOSE kw_cache_scan", PGRES_COMMAND_OK);
}

}  // namespace keywarden::store
