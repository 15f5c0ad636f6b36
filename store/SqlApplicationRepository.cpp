#include "store/SqlApplicationRepository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "engine/base/Ids.h"
#include "engine/text/JsonText.h"
#include "store/Sql.h"
#include "store/SqlQuery.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace keywarden::store {

namespace {
const char* kCols =
    "SELECT id, number, kind, state, tenant, client_id, key_name, description, requester_email,"
    " effective_at, expires_at, quota, api_ids, group_ids, scopes, key_id, changes, flow_id,"
    " flow_version, flow_snapshot, level, level_count, created_at, updated_at, version FROM "
    "applications";

std::string changesText(const engine::KeyChanges& c) {
  std::string out = "{";
  auto sep = [&] {
    if (out.size() > 1) out += ",";
  };
  if (c.effectiveAt) sep(), out += "\"effectiveAt\":" + std::to_string(*c.effectiveAt);
  if (c.expiresAt) sep(), out += "\"expiresAt\":" + std::to_string(*c.expiresAt);
  if (c.quota) sep(), out += "\"quota\":" + std::to_string(*c.quota);
  // refill {"amount", "interval"} and rateLimit {"limit", "windowMs"}; null: remove it.
  if (c.refill) {
    sep(), out += "\"refill\":";
    if (c.refill->interval == engine::RefillInterval::None)
      out += "null";
    else
      out += "{\"amount\":" + std::to_string(c.refill->amount) + ",\"interval\":" +
             (c.refill->interval == engine::RefillInterval::Daily ? "\"daily\"" : "\"monthly\"") +
             "}";
  }
  if (c.rateLimit) {
    sep(), out += "\"rateLimit\":";
    if (c.rateLimit->limit == 0)
      out += "null";
    else
      out += "{\"limit\":" + std::to_string(c.rateLimit->limit) +
             ",\"windowMs\":" + std::to_string(c.rateLimit->windowMs) + "}";
  }
  if (c.scopes) sep(), out += "\"scopes\":" + engine::JsonText::array(*c.scopes);
  if (c.apis) sep(), out += "\"apis\":" + engine::JsonText::array(*c.apis);
  if (c.groups) sep(), out += "\"groups\":" + engine::JsonText::array(*c.groups);
  return out + "}";
}

engine::KeyChanges changesOf(const std::string& text) {
  engine::KeyChanges c;
  if (text.empty() || text == "{}") return c;
  Poco::JSON::Parser p;
  auto o = p.parse(text).extract<Poco::JSON::Object::Ptr>();
  if (o->has("effectiveAt")) c.effectiveAt = o->getValue<Poco::Int64>("effectiveAt");
  if (o->has("expiresAt")) c.expiresAt = o->getValue<Poco::Int64>("expiresAt");
  if (o->has("refill")) {
    engine::RefillChange r;
    if (auto ro = o->getObject("refill")) {
      r.amount = ro->getValue<Poco::Int64>("amount");
      r.interval = ro->getValue<std::string>("interval") == "daily"
                       ? engine::RefillInterval::Daily
                       : engine::RefillInterval::Monthly;
    }
    c.refill = r;
  }
  if (o->has("rateLimit")) {
    engine::RateLimitChange r;
    if (auto ro = o->getObject("rateLimit")) {
      r.limit = ro->getValue<Poco::Int64>("limit");
      r.windowMs = ro->getValue<Poco::Int64>("windowMs");
    }
    c.rateLimit = r;
  }
  if (o->has("quota")) c.quota = o->getValue<Poco::Int64>("quota");
  auto list = [&](const char* k) {
    std::vector<std::string> v;
    auto a = o->getArray(k);
    for (size_t i = 0; a && i < a->size(); ++i)
      v.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
    return v;
  };
  if (o->has("scopes")) c.scopes = list("scopes");
  if (o->has("apis")) c.apis = list("apis");
  if (o->has("groups")) c.groups = list("groups");
  return c;
}

// One row of kCols, read by position (SqlQuery or PocoRow).
template <typename R>
engine::Application appOf(const R& r) {
  engine::Application a;
  a.id = r.str(0);
  a.number = r.str(1);
  a.kind = engine::parseAppKind(r.str(2)).value_or(engine::AppKind::New);
  a.state = engine::parseAppState(r.str(3)).value_or(engine::AppState::Submitted);
  a.tenant = r.str(4);
  a.clientId = r.str(5);
  a.keyName = r.str(6);
  a.description = r.str(7);
  a.requesterEmail = r.str(8);
  a.effectiveAt = r.i64(9);
  a.expiresAt = r.i64(10);
  a.quota = r.i64(11);
  a.apis = Sql::parseList(r.str(12));
  a.groups = Sql::parseList(r.str(13));
  a.scopes = Sql::parseList(r.str(14));
  a.keyId = r.str(15);
  a.changes = changesOf(r.str(16));
  a.flowId = r.str(17);
  a.flowVersion = r.str(18);
  a.flowSnapshot = r.str(19);
  a.level = static_cast<int>(r.i64(20));
  a.levelCount = static_cast<int>(r.i64(21));
  a.createdAt = r.i64(22);
  a.updatedAt = r.i64(23);
  a.version = r.i64(24);
  return a;
}

engine::Application appOfSet(RecordSet& rs) {
  return appOf(PocoRow{rs});
}

template <typename R>
engine::Decision decisionOf(const R& r, const std::string& appId) {
  return engine::Decision{r.str(0), appId,    static_cast<int>(r.i64(1)),
                          r.str(2), r.str(3), r.str(4),
                          r.str(5), r.i64(6)};
}

const char* kInsert =
    "INSERT INTO applications (id, number, kind, state, tenant, client_id, key_name, description,"
    " requester_email, effective_at, expires_at, quota, api_ids, group_ids, scopes, key_id,"
    " changes, flow_id, flow_version, flow_snapshot, level, level_count, created_at, updated_at,"
    " version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
    " $17, $18, $19, $20, $21, $22, $23, $24, $25)";
const char* kUpdate =
    "UPDATE applications SET state = $1, key_name = $2, description = $3, effective_at = $4,"
    " expires_at = $5, quota = $6, api_ids = $7, group_ids = $8, scopes = $9, key_id = $10,"
    " changes = $11, flow_id = $12, flow_version = $13, flow_snapshot = $14, level = $15,"
    " level_count = $16, updated_at = $17, version = $18 WHERE id = $19 AND version = $20";
const char* kHistory =
    "SELECT id, level, event, approver, actor, comment, at FROM application_decisions"
    " WHERE application_id = $1 ORDER BY seq";
const char* kAddDecision =
    "INSERT INTO application_decisions (id, application_id, level, event, approver, actor,"
    " comment, at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
// One statement draws the next number: creates the counter at 1 or adds one, and returns it.
// Its row lock (PostgreSQL) / the write lock (SQLite) is held to commit, so two instances on
// one PostgreSQL never draw the same number.
const char* kNextSequence =
    "INSERT INTO sequences (name, value) VALUES ($1, 1)"
    " ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1 RETURNING value";

// The columns every write binds, in one place for insert and update.
struct Row {
  explicit Row(const engine::Application& a)
      : app(a),
        kind(engine::appKindName(a.kind)),
        state(engine::appStateName(a.state)),
        apis(Sql::listText(a.apis)),
        groups(Sql::listText(a.groups)),
        scopes(Sql::listText(a.scopes)),
        changes(changesText(a.changes)),
        eff(a.effectiveAt),
        exp(a.expiresAt),
        quota(a.quota),
        level(a.level),
        levelCount(a.levelCount),
        created(a.createdAt),
        updated(a.updatedAt),
        version(a.version) {}
  engine::Application app;
  std::string kind, state, apis, groups, scopes, changes;
  Poco::Int64 eff, exp, quota, level, levelCount, created, updated, version;
};
}  // namespace

void SqlApplicationRepository::insert(const engine::Application& a) {
  Row r(a);
  if (_q) {
    SqlQuery(*_q, kInsert)
        .bindAll(r.app.id, r.app.number, r.kind, r.state, r.app.tenant, r.app.clientId,
                 r.app.keyName, r.app.description, r.app.requesterEmail, r.eff, r.exp, r.quota,
                 r.apis, r.groups, r.scopes, r.app.keyId, r.changes, r.app.flowId,
                 r.app.flowVersion, r.app.flowSnapshot, r.level, r.levelCount, r.created, r.updated,
                 r.version)
        .execute();
    return;
  }
  Statement st(_s);
  st << kInsert, use(r.app.id), use(r.app.number), use(r.kind), use(r.state), use(r.app.tenant),
      use(r.app.clientId), use(r.app.keyName), use(r.app.description), use(r.app.requesterEmail),
      use(r.eff), use(r.exp), use(r.quota), use(r.apis), use(r.groups), use(r.scopes),
      use(r.app.keyId), use(r.changes), use(r.app.flowId), use(r.app.flowVersion),
      use(r.app.flowSnapshot), use(r.level), use(r.levelCount), use(r.created), use(r.updated),
      use(r.version);
  st.execute();
}

bool SqlApplicationRepository::update(const engine::Application& a, int64_t expectedVersion) {
  Row r(a);
  Poco::Int64 expected = expectedVersion;
  if (_q) {
    return SqlQuery(*_q, kUpdate)
               .bindAll(r.state, r.app.keyName, r.app.description, r.eff, r.exp, r.quota, r.apis,
                        r.groups, r.scopes, r.app.keyId, r.changes, r.app.flowId, r.app.flowVersion,
                        r.app.flowSnapshot, r.level, r.levelCount, r.updated, r.version, r.app.id,
                        expected)
               .execute() == 1;
  }
  Statement st(_s);
  st << kUpdate, use(r.state), use(r.app.keyName), use(r.app.description), use(r.eff), use(r.exp),
      use(r.quota), use(r.apis), use(r.groups), use(r.scopes), use(r.app.keyId), use(r.changes),
      use(r.app.flowId), use(r.app.flowVersion), use(r.app.flowSnapshot), use(r.level),
      use(r.levelCount), use(r.updated), use(r.version), use(r.app.id), use(expected);
  return st.execute() == 1;
}

std::optional<engine::Application> SqlApplicationRepository::find(const std::string& id0) {
  std::string id = id0;
  std::optional<engine::Application> a;
  if (_q) {
    SqlQuery q(*_q, std::string(kCols) + " WHERE id = $1");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    a = appOf(q);
  } else {
    Statement st(_s);
    st << std::string(kCols) + " WHERE id = $1", use(id);
    st.execute();
    RecordSet rs(st);
    if (!rs.moveFirst()) return std::nullopt;
    a = appOfSet(rs);
  }
  a->history = history(a->id);
  return a;
}

std::vector<engine::Decision> SqlApplicationRepository::history(const std::string& id0) {
  std::string id = id0;
  if (_q) {
    std::vector<engine::Decision> out;
    SqlQuery q(*_q, kHistory);
    q.bind(1, id);
    while (q.step()) out.push_back(decisionOf(q, id));
    return out;
  }
  Statement ds(_s);
  ds << kHistory, use(id);
  return Sql::rows<engine::Decision>(ds, [&](RecordSet& d) { return decisionOf(PocoRow{d}, id); });
}

std::vector<engine::Application> SqlApplicationRepository::list(const engine::AppFilter& f) {
  std::string tenant = f.tenant, client = f.clientId, requester = f.requester;
  std::string state = f.state ? std::string(engine::appStateName(*f.state)) : "";
  Statement st(_s);
  st << std::string(kCols) +
            " WHERE ($1 = '' OR tenant = $1) AND ($2 = '' OR client_id = $2)"
            " AND ($3 = '' OR requester_email = $3) AND ($4 = '' OR state = $4) ORDER BY "
            "created_at, number",
      use(tenant), use(client), use(requester), use(state);
  return Sql::rows<engine::Application>(st, appOfSet);
}

void SqlApplicationRepository::addDecision(const engine::Decision& d0) {
  engine::Decision d = d0;
  std::string id = d.id.empty() ? engine::Ids::make("dec") : d.id;
  Poco::Int64 level = d.level, at = d.at, seq = nextSequence("decision");
  if (_q) {
    SqlQuery(*_q, kAddDecision)
        .bindAll(id, d.applicationId, level, d.event, d.approver, d.actor, d.comment, at, seq)
        .execute();
    return;
  }
  _s << kAddDecision, use(id), use(d.applicationId), use(level), use(d.event), use(d.approver),
      use(d.actor), use(d.comment), use(at), use(seq), now;
}

int64_t SqlApplicationRepository::nextSequence(const std::string& name0) {
  std::string name = name0;
  Poco::Int64 value = 0;
  if (_q) {
    SqlQuery q(*_q, kNextSequence);
    q.bind(1, name);
    if (q.step()) value = q.i64(0);
    return value;
  }
  _s << kNextSequence, use(name), into(value), now;
  return value;
}

int SqlApplicationRepository::purge(int64_t before0) {
  Poco::Int64 before = before0;
  const std::string finished =
      "state IN ('ISSUED', 'REJECTED', 'WITHDRAWN', 'TIMED_OUT') AND updated_at < $1";
  _s << "DELETE FROM application_decisions WHERE application_id IN (SELECT id FROM applications "
        "WHERE " +
            finished + ")",
      use(before), now;
  _s << "DELETE FROM approval_links WHERE application_id IN (SELECT id FROM applications WHERE " +
            finished + ")",
      use(before), now;
  Statement st(_s);
  st << "DELETE FROM applications WHERE " + finished, use(before);
  return static_cast<int>(st.execute());
}

}  // namespace keywarden::store
