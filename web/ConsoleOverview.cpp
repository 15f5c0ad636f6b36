// Console: the overview (issue 15) — what waits, the mail queue, failing jobs, keys about to
// expire, and the checks' outcomes.
#include <algorithm>
#include <map>

#include "engine/base/Rfc3339.h"
#include "engine/text/DisplayText.h"
#include "engine/text/Words.h"
#include "web/Console.h"
#include "web/SvgChart.h"
#include "web/Views.h"

namespace keywarden::web {

namespace {
constexpr int64_t kDayMs = 86400000;
}

void Console::overview(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  int64_t now = Views::now();
  api::JsonWriter w;
  w.beginObject();
  overviewWaiting(w, a, now);
  overviewMail(w, a, now);
  overviewJobs(w, a, now);
  overviewExpiring(w, a, now);
  outcomes(w, a);
  render(ex, a, "overview", "overview", w);
}

void Console::overviewWaiting(api::JsonWriter& w, const Admin& a, int64_t now) {
  // Applications waiting, by level, the longest-waiting first.
  engine::AppFilter f;
  f.tenant = a.tenant;
  f.state = engine::AppState::InReview;
  std::map<std::pair<int, int>, std::vector<engine::Application>> byLevel;
  size_t waiting = 0;
  if (auto apps = _s.applications.list(a.principal, f, ""))
    for (const auto& app : apps.value()) {
      byLevel[{app.level, app.levelCount}].push_back(app);
      ++waiting;
    }
  w.beginArray("levels");
  for (auto& [level, apps] : byLevel) {
    std::sort(apps.begin(), apps.end(),
              [](const auto& x, const auto& y) { return x.updatedAt < y.updatedAt; });
    w.beginObject()
        .field("level", static_cast<int64_t>(level.first))
        .field("of", static_cast<int64_t>(level.second))
        .field("count", static_cast<int64_t>(apps.size()));
    w.beginArray("applications");
    for (size_t i = 0; i < apps.size() && i < 20; ++i) {
      const auto& app = apps[i];
      w.beginObject()
          .field("id", app.id)
          .field("number", app.number)
          .field("keyName", app.keyName)
          .field("clientId", app.clientId)
          .field("waitingFor", engine::DisplayText::sentenceList(
                                   engine::ApplicationService::waitingApprovers(app)));
      when(w, "since", app.updatedAt, now);
      w.endObject();
    }
    w.endArray().endObject();
  }
  w.endArray().field("waiting", static_cast<int64_t>(waiting)).field("noneWaiting", waiting == 0);
}

void Console::overviewMail(api::JsonWriter& w, const Admin& a, int64_t now) {
  // The mail queue (admins of every tenant: mail crosses tenants).
  auto pending = _s.mail.list(a.principal, "PENDING", "");
  auto failed = _s.mail.list(a.principal, "FAILED", "");
  w.field("mailShown", pending.ok() && failed.ok());
  if (pending && failed) {
    int64_t oldest = 0;
    for (const auto& m : pending.value())
      if (oldest == 0 || m.createdAt < oldest) oldest = m.createdAt;
    w.field("mailPending", static_cast<int64_t>(pending.value().size()))
        .field("mailFailed", static_cast<int64_t>(failed.value().size()))
        .field("mailAnyFailed", !failed.value().empty())
        .field("mailHealthy", failed.value().empty() && (oldest == 0 || now - oldest < 15 * 60000));
    when(w, "mailOldest", oldest, now);
  }
}

void Console::overviewJobs(api::JsonWriter& w, const Admin& a, int64_t now) {
  // Jobs that failed, or keep failing while they are retried.
  auto jobsFailed = _s.jobs.list(a.principal, "FAILED", "");
  auto jobsPending = _s.jobs.list(a.principal, "PENDING", "");
  w.field("jobsShown", jobsFailed.ok() && jobsPending.ok());
  if (jobsFailed && jobsPending) {
    std::vector<engine::Job> failing = jobsFailed.value();
    for (const auto& j : jobsPending.value())
      if (!j.lastError.empty()) failing.push_back(j);
    w.beginArray("failingJobs");
    for (size_t i = 0; i < failing.size() && i < 20; ++i) {
      const auto& j = failing[i];
      w.beginObject()
          .field("id", j.id)
          .field("kind", j.kind)
          .field("refId", j.refId)
          .field("status", j.status)
          .field("attempts", static_cast<int64_t>(j.attempts))
          .field("lastError", j.lastError);
      when(w, "due", j.dueAt, now);
      w.endObject();
    }
    w.endArray().field("noFailingJobs", failing.empty());
  }
}

void Console::overviewExpiring(api::JsonWriter& w, const Admin& a, int64_t now) {
  // Keys expiring in the next 7 days, soonest first; and the checks' outcomes.
  engine::KeyFilter kf;
  kf.tenant = a.tenant;
  std::vector<engine::Key> expiring;
  if (auto keys = _s.keys.list(a.principal, kf))
    for (const auto& k : keys.value()) {
      if (k.effectiveState(now) == engine::KeyState::Active && k.expiresAt > now &&
          k.expiresAt <= now + 7 * kDayMs)
        expiring.push_back(k);
    }
  std::sort(expiring.begin(), expiring.end(),
            [](const auto& x, const auto& y) { return x.expiresAt < y.expiresAt; });
  w.beginArray("expiring");
  for (const auto& k : expiring) {
    w.beginObject()
        .field("id", k.id)
        .field("name", k.name)
        .field("start", k.start)
        .field("clientId", k.clientId);
    when(w, "expires", k.expiresAt, now);
    w.endObject();
  }
  w.endArray().field("noneExpiring", expiring.empty());
}

void Console::writeSeries(api::JsonWriter& w, const std::string& name,
                          const engine::UsageSeries& s) {
  bool minutes = s.range.grain == engine::UsageGrain::Minute;
  bool days = s.range.grain == engine::UsageGrain::Day;
  std::vector<SvgChart::Bar> bars;
  std::map<std::string, int64_t> codes;
  for (const auto& b : s.buckets) {
    int64_t valid = 0, refused = 0;
    for (const auto& [code, n] : b.counts) {
      (code == "VALID" ? valid : refused) += n;
      codes[code] += n;
    }
    std::string iso = engine::Rfc3339::format(b.start);  // 2026-11-30T14:00:00Z
    std::string label = days ? iso.substr(5, 5) : iso.substr(11, 5);
    bars.push_back({label, {valid, refused}});
  }
  w.objectField(name);
  SvgChart::write(w, bars);
  w.beginArray("codes");
  for (const auto& [code, n] : codes) w.beginObject().field("code", code).field("n", n).endObject();
  w.endArray();
  w.field("perMinute", minutes).field("perHour", s.range.grain == engine::UsageGrain::Hour);
  w.field("perDay", days);
  w.field("from", engine::Words::time(s.range.from)).field("to", engine::Words::time(s.range.to));
  w.endObject();
}

void Console::outcomes(api::JsonWriter& w, const Admin& a) {
  auto range = _s.usage.range(std::nullopt, std::nullopt, engine::UsageGrain::Hour);
  if (!range) return;
  engine::UsageSeries sum;
  sum.range = range.value();
  if (auto clients = _s.catalog.listClients(a.principal, a.tenant))
    for (const auto& c : clients.value()) {
      auto s = _s.usage.forClient(c.id, a.tenant, range.value());
      if (!s) continue;
      if (sum.buckets.empty()) {
        sum = s.value();
        continue;
      }
      for (size_t i = 0; i < sum.buckets.size() && i < s.value().buckets.size(); ++i) {
        std::map<std::string, int64_t> m(sum.buckets[i].counts.begin(),
                                         sum.buckets[i].counts.end());
        for (const auto& [code, n] : s.value().buckets[i].counts) m[code] += n;
        sum.buckets[i].counts.assign(m.begin(), m.end());
      }
    }
  if (sum.buckets.empty())  // no client yet: the empty day
    for (int64_t t = sum.range.from; t < sum.range.to; t += 3600000) sum.buckets.push_back({t, {}});
  writeSeries(w, "outcomes", sum);
}

void Console::keyUsage(api::JsonWriter& w, const Admin& a, const engine::Key& k,
                       const std::string& span) {
  int64_t now = Views::now();
  std::string chosen = span == "1h" || span == "30d" ? span : "24h";
  auto range =
      chosen == "1h"    ? _s.usage.range(now - 3600000, std::nullopt, engine::UsageGrain::Minute)
      : chosen == "30d" ? _s.usage.range(now - 30 * kDayMs, std::nullopt, engine::UsageGrain::Day)
                        : _s.usage.range(std::nullopt, std::nullopt, engine::UsageGrain::Hour);
  w.field("span_" + chosen, true);
  if (!range) return;
  auto s = _s.usage.forKey(k.id, a.tenant, range.value());
  if (s) writeSeries(w, "usage", s.value());
}

}  // namespace keywarden::web
