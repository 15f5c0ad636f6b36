#include "api/AbuseHandlers.h"

#include <cstdio>

#include "api/Respond.h"
#include "engine/abuse/BadAttempts.h"

namespace keywarden::api {

namespace {
void writeAttempt(JsonWriter& w, const engine::BadAttempt& a) {
  w.beginObject()
      .field("table", a.table)
      .field(a.table == "prefix" ? "keyStart" : "clientAddress", a.key)
      .field("failures", static_cast<int64_t>(a.failures))
      .field("failuresInWindow", a.inWindow)
      .field("refused", static_cast<int64_t>(a.refused))
      .timeField("firstSeen", a.firstSeen)
      .timeField("lastSeen", a.lastSeen);
  if (a.blockedUntil == 0)
    w.nullField("blockedUntil");
  else
    w.timeField("blockedUntil", a.blockedUntil);
  w.endObject();
}
}  // namespace

void AbuseHandlers::install(Router& r) {
  r.add("GET", "/v1/bad-attempts", [this](Exchange& ex) {
    if (!_auth.require(ex, {engine::Role::Admin})) return;
    if (auto e = ex.queryOnly({"table", "blocked", "limit"})) return ex.sendError(*e);
    engine::BadAttempts::Filter f;
    f.table = ex.query("table");
    if (!f.table.empty() && f.table != "source" && f.table != "prefix" && f.table != "link")
      return ex.sendError(engine::Error::badInput("table", "table must be source, prefix or link"));
    std::string blocked = ex.query("blocked");
    if (!blocked.empty() && blocked != "true" && blocked != "false")
      return ex.sendError(engine::Error::badInput("blocked", "blocked must be true or false"));
    f.blockedOnly = blocked == "true";
    std::string limit = ex.query("limit");
    if (!limit.empty()) {
      size_t n = 0;
      bool ok = limit.size() <= 4;
      for (char c : limit) {
        ok = ok && c >= '0' && c <= '9';
        n = n * 10 + static_cast<size_t>(c - '0');
      }
      if (!ok || n < 1 || n > 1000)
        return ex.sendError(
            engine::Error::badInput("limit", "limit must be a whole number from 1 to 1000"));
      f.limit = n;
    }
    respondList(ex, engine::BadAttempts(_guard).list(*ex.principal, f), "attempts", writeAttempt);
  });
}

std::string AbuseHandlers::metrics(const engine::AbuseGuard& g) {
  using T = engine::AbuseGuard::Table;
  std::string out;
  char line[256];
  auto each = [&](const char* name, const char* type, const char* help, auto value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    for (int i = 0; i < engine::AbuseGuard::kTables; ++i) {
      auto t = static_cast<T>(i);
      std::snprintf(line, sizeof line, "%s{table=\"%s\"} %llu\n", name,
                    engine::AbuseGuard::tableName(t), static_cast<unsigned long long>(value(t)));
      out += line;
    }
  };
  each("keywarden_abuse_failures_total", "counter",
       "Failed attempts counted by the brute-force defence: key checks by client address "
       "(source) and key start (prefix), bad link tokens and refused sign-in asks (link).",
       [&](T t) { return g.failures(t); });
  each("keywarden_abuse_blocks_total", "counter",
       "Blocks started (one per episode): a client address or key start past its threshold.",
       [&](T t) { return g.blocks(t); });
  each("keywarden_abuse_refused_total", "counter",
       "Requests answered from memory because their client address or key start was blocked.",
       [&](T t) { return g.refusals(t); });
  int64_t now = g.clock().nowMs();
  each("keywarden_abuse_blocked", "gauge", "Client addresses and key starts blocked now.",
       [&](T t) { return static_cast<uint64_t>(g.table(t).blockedCount(now)); });
  std::snprintf(line, sizeof line,
                "# HELP keywarden_abuse_untracked_total Failures not counted because every slot "
                "they could take held a block.\n# TYPE keywarden_abuse_untracked_total counter\n"
                "keywarden_abuse_untracked_total %llu\n",
                static_cast<unsigned long long>(g.table(T::Source).untracked() +
                                                g.table(T::Prefix).untracked() +
                                                g.table(T::Link).untracked()));
  out += line;
  std::snprintf(line, sizeof line,
                "# HELP keywarden_abuse_audit_dropped_total Block episodes whose audit row was "
                "dropped (the store was unavailable too long).\n"
                "# TYPE keywarden_abuse_audit_dropped_total counter\n"
                "keywarden_abuse_audit_dropped_total %llu\n",
                static_cast<unsigned long long>(g.auditDropped()));
  out += line;
  return out;
}

}  // namespace keywarden::api
