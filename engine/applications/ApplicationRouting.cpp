// ApplicationService: choosing an application's approval flow (contract §5).
#include "engine/applications/ApplicationService.h"
#include "engine/applications/ApplicationServiceDetail.h"

#include <algorithm>

namespace keywarden::engine {

using namespace application_detail;

namespace {
// Every scope the key of `a` would hold or be granted through (RoutingFacts::scopes): what the
// key could call is what routing judges, whichever field grants it.
std::vector<std::string> routingScopes(Transaction& tx, const Application& a) {
  // Contract §4: a key with no scopes, APIs or groups is unrestricted — it holds everything.
  if (a.scopes.empty() && a.apis.empty() && a.groups.empty()) return {"*"};
  std::vector<std::string> out = a.scopes;
  auto addApi = [&](const std::string& id) {
    auto api = tx.catalog().findApi(id);
    if (api && api->tenant == a.tenant)
      out.insert(out.end(), api->scopes.begin(), api->scopes.end());
  };
  for (const auto& id : a.apis) addApi(id);
  for (const auto& g : a.groups) {
    auto group = tx.catalog().findGroup(g);
    if (group && group->tenant == a.tenant)
      for (const auto& id : group->apis) addApi(id);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}
}  // namespace

std::optional<Error> ApplicationService::route(Transaction& tx, Application& a) const {
  RoutingFacts facts;
  facts.kind = std::string(appKindName(a.kind));
  facts.scopes = routingScopes(tx, a);
  auto client = tx.catalog().findClient(a.clientId);
  facts.clientType = client ? client->clientType : "";
  facts.tenant = a.tenant;
  facts.quota = a.quota;
  // A refill serves up to its amount again every period: routing judges the most the key may
  // serve in one period, so a flow for large quotas also sees a small quota with a large refill.
  if (a.kind == AppKind::Modify && a.quota >= 0)
    if (auto key = tx.keys().find(a.keyId)) {
      KeySpec s = KeyService::specAfter(*key, a.changes);
      if (s.refillInterval != RefillInterval::None)
        facts.quota = std::max(facts.quota, s.refillAmount);
    }
  // The key lives from when it starts until it expires: a new key starts no earlier than this
  // application, a key being changed started already (an extension is judged as the whole
  // life it gives the key, so a flow for short-lived keys cannot extend one step by step).
  if (a.expiresAt) {
    int64_t start = std::max(a.effectiveAt, a.createdAt);
    if (a.kind != AppKind::New)
      if (auto key = tx.keys().find(a.keyId)) start = std::max(key->effectiveAt, key->createdAt);
    facts.lifetimeMs = a.expiresAt - start;
  }
  std::shared_ptr<const Flow> f = _flows.route(facts);  // one snapshot, kept
  if (!f)
    return Error::unprocessable("NO_FLOW",
                                "no approval flow in workflows.dir matches this application");
  a.flowId = f->id;
  a.flowVersion = f->version;
  a.flowSnapshot = FlowParser::toJson(*f);
  a.levelCount = static_cast<int>(f->levels.size());
  return std::nullopt;
}

}  // namespace keywarden::engine
