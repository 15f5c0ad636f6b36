// Console: the overview (issue 15) — what waits, the mail queue, failing jobs, keys about to
// expire, and the checks' outcomes.
#include <algorithm>
#include <map>

#include "engine/text/DisplayText.h"
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

  // Keys expiring in the next 7 days, soonest first; and the checks' outcomes.
  engine::KeyFilter kf;
  kf.tenant = a.tenant;
  std::vector<engine::Key> expiring;
  int64_t valid = 0, refused = 0;
  if (auto keys = _s.keys.list(a.principal, kf))
    for (const auto& k : keys.value()) {
      valid += k.usageValid;
      refused += k.usageRejected;
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
  outcomes(w, a, now, valid, refused);
  render(ex, a, "overview", "overview", w);
}

void Console::outcomes(api::JsonWriter& w, const Admin&, int64_t, int64_t valid, int64_t refused) {
  w.field("outcomesFromCounters", true);
  std::vector<SvgChart::Bar> bars = {{"VALID", {valid, 0}}, {"REFUSED", {0, refused}}};
  w.objectField("outcomes");
  SvgChart::write(w, bars);
  w.endObject();
}

void Console::keyUsage(api::JsonWriter& w, const Admin&, const engine::Key& k, int64_t) {
  w.field("usageFromCounters", true);
  std::vector<SvgChart::Bar> bars = {{"VALID", {k.usageValid, 0}},
                                     {"REFUSED", {0, k.usageRejected}}};
  w.objectField("usage");
  SvgChart::write(w, bars);
  w.endObject();
}

}  // namespace keywarden::web
