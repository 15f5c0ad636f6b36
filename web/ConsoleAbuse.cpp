// Console: the bad-attempts view (what the brute-force defence counts and blocks).
#include "engine/abuse/BadAttempts.h"
#include "web/Console.h"
#include "web/Views.h"

namespace keywarden::web {

void Console::badAttempts(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  int64_t now = Views::now();
  api::JsonWriter w;
  w.beginObject().field("off", _s.abuse == nullptr);
  if (_s.abuse) {
    engine::BadAttempts::Filter f;
    f.table = ex.query("table");
    f.blockedOnly = ex.query("blocked") == "true";
    f.limit = kMaxRows;
    auto rows = engine::BadAttempts(*_s.abuse).list(a.principal, f);
    if (!rows) return fail(ex, a, rows.error(), "/admin");
    w.beginArray("attempts");
    for (const auto& r : rows.value()) {
      w.beginObject()
          .field("table", r.table)
          .field("key", r.key)
          .field("failures", static_cast<int64_t>(r.failures))
          .field("inWindow", r.inWindow)
          .field("refused", static_cast<int64_t>(r.refused))
          .field("blocked", r.blockedUntil > now);
      when(w, "lastSeen", r.lastSeen, now);
      when(w, "blockedUntil", r.blockedUntil, now);
      w.endObject();
    }
    w.endArray().field("none", rows.value().empty());
    w.field("blockedOnly", f.blockedOnly);
    w.beginArray("tables");
    for (const char* t : {"source", "prefix", "link"})
      w.beginObject().field("name", t).field("selected", f.table == t).endObject();
    w.endArray();
  }
  render(ex, a, "bad-attempts", "bad-attempts", w);
}

}  // namespace keywarden::web
