// Console: the approval flows (issue 15, contract §5) — each flow as a diagram of its levels
// (approvers, rule, timeout and what a timeout does), and a routing tester: "an application for
// these scopes, client type, tenant, quota and lifetime goes to …", answered by the same
// FlowCatalog::route that routes real applications.
#include <Poco/String.h>

#include "api/BodyReader.h"
#include "engine/base/Duration.h"
#include "engine/text/Validation.h"
#include "web/Console.h"
#include "web/FormJson.h"

namespace keywarden::web {

namespace {
const char* policyName(engine::FlowLevel::Policy p) {
  return p == engine::FlowLevel::Policy::Any   ? "any"
         : p == engine::FlowLevel::Policy::All ? "all"
                                               : "quorum";
}
const char* onTimeoutName(engine::FlowLevel::OnTimeout t) {
  switch (t) {
    case engine::FlowLevel::OnTimeout::Escalate:
      return "escalate";
    case engine::FlowLevel::OnTimeout::Reject:
      return "reject";
    case engine::FlowLevel::OnTimeout::Approve:
      return "approve";
    default:
      return "none";
  }
}
}  // namespace

void Console::flows(api::Exchange& ex) {
  Admin a;
  if (!enter(ex, a)) return;
  // The tester's question, read as the API reads such fields.
  std::map<std::string, std::string> q;
  for (const char* f : {"kind", "scopes", "clientType", "tenant", "quota", "lifetimeDays"})
    q[f] = Poco::trim(ex.query(f));
  bool asked = ex.query("test") == "yes";
  std::optional<engine::Error> error;
  std::shared_ptr<const engine::Flow> routed;
  if (asked) {
    api::JsonWriter j;
    j.beginObject();
    FormJson::integer(j, "quota", q["quota"]);
    FormJson::integer(j, "lifetimeDays", q["lifetimeDays"]);
    j.endObject();
    api::BodyReader b(j.str(), false);
    engine::RoutingFacts facts;
    int64_t days = 0;
    b.integer("quota", facts.quota, -1, engine::Validation::kMaxQuota)
        .integer("lifetimeDays", days, 0, 36500);
    error = b.error();
    facts.kind = q["kind"].empty() ? "new" : q["kind"];
    if (!error && facts.kind != "new" && facts.kind != "modify" && facts.kind != "revoke")
      error = engine::Error::badInput("kind", "kind must be new, modify or revoke");
    facts.scopes = FormJson::words(q["scopes"]);
    if (!error) error = engine::Validation::scopes("scopes", facts.scopes);
    if (facts.scopes.empty()) facts.scopes = {"*"};  // no scopes: an unrestricted key
    facts.clientType = q["clientType"];
    facts.tenant = a.tenant.empty() ? (q["tenant"].empty() ? "default" : q["tenant"]) : a.tenant;
    if (!error) error = engine::Validation::tenant("tenant", facts.tenant);
    if (days > 0) facts.lifetimeMs = days * 86400000LL;
    if (!error) routed = _s.flows.route(facts);
  }
  api::JsonWriter w;
  w.beginObject();
  for (const auto& [k, v] : q) w.field("q_" + k, v);
  w.field("asked", asked && !error).field("routedNowhere", asked && !error && !routed);
  if (routed)
    w.field("routedId", routed->id)
        .field("routedName", routed->name.empty() ? routed->id : routed->name);
  w.beginArray("kinds");
  for (const char* k : {"new", "modify", "revoke"})
    w.beginObject().field("name", k).field("selected", q["kind"] == k).endObject();
  w.endArray();
  flowDiagrams(w, routed.get());
  if (error)
    formError(w, *error, {"kind", "scopes", "clientType", "tenant", "quota", "lifetimeDays"});
  render(ex, a, "flows", "flows", w, error ? Portal::statusOf(*error) : 200);
}

void Console::flowDiagrams(api::JsonWriter& w, const engine::Flow* routed) {
  w.beginArray("flows");
  engine::FlowCatalog::Snapshot flows = _s.flows.flows();
  for (const auto& f : *flows) {
    const auto& m = f.match;
    w.beginObject()
        .field("id", f.id)
        .field("name", f.name.empty() ? f.id : f.name)
        .field("priority", f.priority)
        .field("source", f.source)
        .field("chosen", routed && routed->id == f.id)
        .field("noLevels", f.levels.empty())
        .field("matchScopes", m.scopes)
        .field("matchClientTypes", m.clientTypes)
        .field("matchTenants", m.tenants)
        .field("matchKinds", m.kinds)
        .field("hasKinds", !m.kinds.empty())
        .field("hasScopes", !m.scopes.empty())
        .field("hasClientTypes", !m.clientTypes.empty())
        .field("hasTenants", !m.tenants.empty())
        .field("matchAny", m.scopes.empty() && m.clientTypes.empty() && m.tenants.empty() &&
                               m.kinds.empty() && !m.minQuota && !m.maxLifetimeDays);
    if (m.minQuota) w.field("minQuota", *m.minQuota);
    if (m.maxLifetimeDays) w.field("maxLifetimeDays", *m.maxLifetimeDays);
    w.beginArray("levels");
    for (size_t i = 0; i < f.levels.size(); ++i) {
      const auto& l = f.levels[i];
      w.beginObject()
          .field("number", static_cast<int64_t>(i + 1))
          .field("name", l.name)
          .field("approvers", l.approvers)
          .field(std::string("policy_") + policyName(l.policy), true)
          .field("quorum", static_cast<int64_t>(l.quorum))
          .field("of", static_cast<int64_t>(l.approvers.size()))
          .field("hasTimeout", l.timeoutMs > 0)
          .field("timeout", l.timeoutMs > 0 ? engine::Duration::format(l.timeoutMs) : "")
          .field(std::string("onTimeout_") + onTimeoutName(l.onTimeout), true)
          .field("escalateTo", l.escalateTo)
          .endObject();
    }
    w.endArray().endObject();
  }
  w.endArray();
}

}  // namespace keywarden::web
