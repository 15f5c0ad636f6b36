#include "api/Serialize.h"

#include "engine/base/Duration.h"

namespace keywarden::api {

void Serialize::client(JsonWriter& w, const engine::Client& c) {
  w.beginObject()
      .field("id", c.id)
      .field("name", c.name)
      .field("clientType", c.clientType)
      .field("contactEmail", c.contactEmail)
      .field("tenant", c.tenant)
      .field("active", c.active)
      .timeField("createdAt", c.createdAt)
      .timeField("updatedAt", c.updatedAt)
      .endObject();
}

void Serialize::api(JsonWriter& w, const engine::ApiDef& a) {
  w.beginObject()
      .field("id", a.id)
      .field("name", a.name)
      .field("method", a.method)
      .field("path", a.path)
      .field("scopes", a.scopes)
      .field("tenant", a.tenant)
      .timeField("createdAt", a.createdAt)
      .timeField("updatedAt", a.updatedAt)
      .endObject();
}

void Serialize::group(JsonWriter& w, const engine::Group& g) {
  w.beginObject()
      .field("id", g.id)
      .field("name", g.name)
      .field("apis", g.apis)
      .field("tenant", g.tenant)
      .timeField("createdAt", g.createdAt)
      .timeField("updatedAt", g.updatedAt)
      .endObject();
}

void Serialize::keyFields(JsonWriter& w, const engine::Key& k) {
  w.field("id", k.id).field("tenant", k.tenant);
  if (k.clientId.empty())
    w.nullField("clientId");
  else
    w.field("clientId", k.clientId);
  w.field("name", k.name)
      .field("start", k.start)
      .field("state", engine::keyStateName(k.state))
      .field("scopes", k.scopes)
      .field("apis", k.apis)
      .field("groups", k.groups)
      .timeField("effectiveAt", k.effectiveAt)
      .timeField("expiresAt", k.expiresAt)
      .field("quota", k.quota)
      .field("remaining", k.remaining);
  if (k.refillInterval == engine::RefillInterval::None) {
    w.nullField("refill");
  } else {
    w.objectField("refill")
        .field("amount", k.refillAmount)
        .field("interval", k.refillInterval == engine::RefillInterval::Daily ? "daily" : "monthly")
        .endObject();
  }
  if (k.rateLimit == 0) {
    w.nullField("rateLimit");
  } else {
    w.objectField("rateLimit")
        .field("limit", k.rateLimit)
        .field("window", engine::Duration::format(k.rateWindowMs))
        .endObject();
  }
  w.rawField("meta", k.meta.empty() ? "{}" : k.meta)
      .timeField("createdAt", k.createdAt)
      .timeField("updatedAt", k.updatedAt)
      .timeField("lastUsedAt", k.lastUsedAt)
      .objectField("usage")
      .field("valid", k.usageValid)
      .field("rejected", k.usageRejected)
      .endObject()
      .timeField("revokeAt", k.revokeAt)
      .field("revokeReason", k.revokeReason);
  if (k.rotatedTo.empty())
    w.nullField("rotatedTo");
  else
    w.field("rotatedTo", k.rotatedTo);
  if (k.applicationId.empty())
    w.nullField("applicationId");
  else
    w.field("applicationId", k.applicationId);
}

void Serialize::key(JsonWriter& w, const engine::Key& k, const std::string& plaintext) {
  w.beginObject();
  keyFields(w, k);
  if (!plaintext.empty()) w.field("key", plaintext);
  w.endObject();
}

}  // namespace keywarden::api
