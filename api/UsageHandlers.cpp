#include "api/UsageHandlers.h"

#include "api/Respond.h"
#include "engine/base/Rfc3339.h"

namespace keywarden::api {

namespace {

// An optional RFC 3339 query parameter; sets `error` naming it when it does not parse.
std::optional<int64_t> timeParam(const Exchange& ex, const char* name,
                                 std::optional<engine::Error>& error) {
  std::string v = ex.query(name);
  if (v.empty()) return std::nullopt;
  std::string why;
  auto t = engine::Rfc3339::parse(v, &why);
  if (!t && !error)
    error = engine::Error::unprocessable(
        "INVALID_FIELD", std::string(name) + " must be an RFC 3339 time: " + why, name);
  return t;
}

void writeSeries(JsonWriter& w, const engine::UsageSeries& s) {
  w.beginObject()
      .field("granularity", engine::UsageHistory::grainName(s.range.grain))
      .timeField("from", s.range.from)
      .timeField("to", s.range.to)
      .beginArray("buckets");
  for (const auto& b : s.buckets) {
    w.beginObject().timeField("start", b.start).objectField("counts");
    for (const auto& [code, n] : b.counts) w.field(code, n);
    w.endObject().endObject();
  }
  w.endArray().endObject();
}

}  // namespace

void UsageHandlers::install(Router& r) {
  r.add("GET", "/v1/keys/{id}/usage", [this](Exchange& ex) { series(ex, false); });
  r.add("GET", "/v1/clients/{id}/usage", [this](Exchange& ex) { series(ex, true); });
}

void UsageHandlers::series(Exchange& ex, bool client) {
  if (!_auth.require(ex, {engine::Role::Admin})) return;
  if (auto e = ex.queryOnly({"from", "to", "granularity"})) return ex.sendError(*e);
  std::optional<engine::Error> error;
  auto from = timeParam(ex, "from", error);
  auto to = timeParam(ex, "to", error);
  std::optional<engine::UsageGrain> grain;
  std::string g = ex.query("granularity");
  if (!g.empty()) {
    grain = engine::UsageHistory::parseGrain(g);
    if (!grain && !error)
      error = engine::Error::unprocessable(
          "INVALID_FIELD", "granularity must be minute, hour or day", "granularity");
  }
  if (error) return ex.sendError(*error);
  auto range = _usage.range(from, to, grain);
  if (!range) return ex.sendError(range.error());
  const std::string& id = ex.param("id");
  const std::string& tenant = ex.principal->tenant;
  auto s = client ? _usage.forClient(id, tenant, range.value())
                  : _usage.forKey(id, tenant, range.value());
  respond(ex, s, 200, writeSeries);
}

}  // namespace keywarden::api
