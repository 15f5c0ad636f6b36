// Console: scheduled jobs (issue 15) — what is due, scheduled, failed, done or cancelled, by
// kind; a FAILED job retried after a confirmation, through engine::JobLog as POST
// /v1/jobs/{id}/retry does (one transaction, audited as job.retry under the acting admin).
#include <algorithm>
#include <cctype>

#include "web/Console.h"
#include "web/Views.h"

namespace keywarden::web {

namespace {
// The state a page shows: the stored status, with PENDING split by the due time. No job is
// ever seen running: the scheduler runs a job inside the transaction that marks it DONE, so
// from outside it is due until that commits.
std::string shownState(const engine::Job& j, int64_t now) {
  if (j.status == "PENDING") return j.dueAt <= now ? "due" : "scheduled";
  std::string s = j.status;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
const char* storedStatus(const std::string& state) {
  if (state == "due" || state == "scheduled") return "PENDING";
  if (state == "failed") return "FAILED";
  if (state == "done") return "DONE";
  if (state == "cancelled") return "CANCELLED";
  return "";
}
}  // namespace

void Console::jobFilters(api::JsonWriter& w, const std::string& state, const std::string& kind) {
  w.field("state", state).field("kind", kind);
  w.beginArray("states");
  for (const char* s : {"due", "scheduled", "failed", "done", "cancelled"})
    w.beginObject()
        .field("name", s)
        .field("s_" + std::string(s), true)
        .field("selected", state == s)
        .endObject();
  w.endArray();
  w.beginArray("kinds");
  for (engine::JobKind k : engine::kJobKinds)
    w.beginObject()
        .field("name", engine::jobKindName(k))
        .field("selected", kind == engine::jobKindName(k))
        .endObject();
  w.endArray();
}

void Console::jobList(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  int64_t now = Views::now();
  std::string state = ex.query("state"), kind = ex.query("kind");
  if (!state.empty() && !*storedStatus(state)) state.clear();
  if (!kind.empty() && !engine::parseJobKind(kind)) kind.clear();
  api::JsonWriter w;
  w.beginObject().field("done_" + ex.query("done"), true);
  jobFilters(w, state, kind);
  auto jobs = _s.jobs.list(a.principal, storedStatus(state), kind);
  w.field("shown", jobs.ok());
  if (!jobs) {
    w.field("refused", jobs.error().message);
    return render(ex, a, "jobs", "jobs", w, Portal::statusOf(jobs.error()));
  }
  auto rows = jobs.value();
  // By due time, newest first.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& x, const auto& y) { return x.dueAt > y.dueAt; });
  size_t n = 0, shown = 0;
  w.beginArray("jobs");
  for (const auto& j : rows) {
    std::string s = shownState(j, now);
    if (!state.empty() && s != state) continue;
    if (++n > kMaxRows) continue;
    ++shown;
    w.beginObject()
        .field("id", j.id)
        .field("kind", j.kind)
        .field("refId", j.refId)
        .field("isKey", j.refId.rfind("key_", 0) == 0)
        .field("isApplication", j.refId.rfind("app_", 0) == 0)
        .field("state", s)
        .field("s_" + s, true)
        .field("failed", j.status == "FAILED")
        .field("attempts", static_cast<int64_t>(j.attempts))
        .field("lastError", j.lastError);
    when(w, "due", j.dueAt, now);
    when(w, "doneAt", j.doneAt, now);
    w.endObject();
  }
  w.endArray().field("none", n == 0).field("cut", n > shown);
  render(ex, a, "jobs", "jobs", w);
}

void Console::jobRetry(api::Exchange& ex) {
  Admin a;
  std::map<std::string, std::string> form;
  if (!enterForm(ex, a, {"confirm"}, form)) return;
  const std::string& id = ex.param("id");
  auto j = _s.jobs.get(a.principal, id);
  if (!j && j.error().kind == engine::ErrorKind::NotFound)
    return problem(ex, a, 404, "notFound", "job", "/admin/jobs?state=failed");
  if (!j) return fail(ex, a, j.error(), "/admin/jobs");
  if (form["confirm"] != "yes") {
    // First answer: what a retry does, and a button that confirms it.
    int64_t now = Views::now();
    api::JsonWriter w;
    w.beginObject()
        .field("id", j.value().id)
        .field("kind", j.value().kind)
        .field("refId", j.value().refId)
        .field("attempts", static_cast<int64_t>(j.value().attempts))
        .field("lastError", j.value().lastError)
        .field("failed", j.value().status == "FAILED")
        .field("state", shownState(j.value(), now));
    return render(ex, a, "jobs", "job-confirm", w);
  }
  auto r = _s.jobs.retry(a.principal, id);
  if (!r) return fail(ex, a, r.error(), "/admin/jobs?state=failed");
  _s.portal.redirect(ex, "/admin/jobs?done=retried");
}

}  // namespace keywarden::web
