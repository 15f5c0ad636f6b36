#include "engine/flows/FlowParser.h"

#include "engine/flows/FlowSnapshotCache.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/String.h>

#include <set>

#include "engine/base/Duration.h"
#include "engine/base/Ids.h"
#include "engine/crypto/Crypto.h"
#include "engine/text/JsonText.h"
#include "engine/text/StrictJson.h"
#include "engine/text/Validation.h"

namespace keywarden::engine {

namespace {
using Poco::JSON::Array;
using Poco::JSON::Object;

// Reads fields of one JSON object, failing with the object's place in the file.
class Reader {
 public:
  Reader(Object::Ptr obj, std::string place, const std::string& source)
      : _obj(std::move(obj)), _place(std::move(place)), _source(source) {}

  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    std::string where = _place.empty() ? field : (field.empty() ? _place : _place + "." + field);
    throw FlowError(_source + ": " + (where.empty() ? "" : where + ": ") + why);
  }
  void only(std::initializer_list<const char*> allowed) const {
    for (const auto& [k, v] : *_obj) {
      bool ok = false;
      for (const char* a : allowed) ok = ok || k == a;
      if (!ok) fail(k, "unknown field");
    }
  }
  bool has(const std::string& f) const { return _obj->has(f) && !_obj->isNull(f); }
  std::string str(const std::string& f, bool required) const {
    if (!has(f)) {
      if (required) fail(f, "is required");
      return {};
    }
    auto v = _obj->get(f);
    if (!v.isString()) fail(f, "must be a string");
    return v.extract<std::string>();
  }
  // A string that is shown to people (in mails and pages): UTF-8 text of at most `maxChars`
  // characters, without control characters (line breaks only where `multiline`).
  std::string text(const std::string& f, size_t maxChars, bool multiline) const {
    std::string v = str(f, false);
    if (auto e = Validation::text(f, v, maxChars, multiline)) fail(f, e->message);
    return v;
  }
  std::optional<int64_t> integer(const std::string& f) const {
    if (!has(f)) return std::nullopt;
    auto v = _obj->get(f);
    if (v.type() != typeid(Poco::Int64)) fail(f, "must be a whole number or null");
    return v.extract<Poco::Int64>();
  }
  std::vector<std::string> strings(const std::string& f) const {
    std::vector<std::string> out;
    if (!has(f)) return out;
    Array::Ptr a = _obj->getArray(f);
    if (!a) fail(f, "must be an array of strings");
    for (size_t i = 0; i < a->size(); ++i) {
      auto v = a->get(static_cast<unsigned>(i));
      if (!v.isString()) fail(f + "[" + std::to_string(i) + "]", "must be a string");
      out.push_back(v.extract<std::string>());
    }
    return out;
  }
  std::vector<std::string> emails(const std::string& f) const {
    std::vector<std::string> out;
    std::set<std::string> seen;
    auto list = strings(f);
    for (size_t i = 0; i < list.size(); ++i) {
      std::string e = Poco::toLower(Poco::trim(list[i]));
      std::string at = f + "[" + std::to_string(i) + "]";
      if (Validation::email(at, e)) fail(at, "'" + list[i] + "' is not an e-mail address");
      if (!seen.insert(e).second) fail(at, "'" + list[i] + "' is listed twice");
      out.push_back(e);
    }
    return out;
  }
  Object::Ptr object(const std::string& f) const {
    if (!has(f)) return nullptr;
    Object::Ptr o = _obj->getObject(f);
    if (!o) fail(f, "must be an object");
    return o;
  }
  Object::Ptr raw() const { return _obj; }
  const std::string& place() const { return _place; }

 private:
  Object::Ptr _obj;
  std::string _place;
  const std::string& _source;
};

FlowMatch parseMatch(const Reader& r) {
  r.only({"scopes", "clientTypes", "tenants", "kinds", "minQuota", "maxLifetimeDays"});
  FlowMatch m;
  m.scopes = r.strings("scopes");
  for (size_t i = 0; i < m.scopes.size(); ++i)
    if (!Validation::isScope(m.scopes[i]))
      r.fail("scopes[" + std::to_string(i) + "]",
             "is not a scope pattern: 1-128 characters of letters, digits and : . _ - * /");
  // Matched in any case against what clients and tenants may hold: a value neither could hold
  // would never match, and the applications meant for this flow would go to another.
  m.clientTypes = r.strings("clientTypes");
  for (size_t i = 0; i < m.clientTypes.size(); ++i)
    if (Validation::token("clientType", m.clientTypes[i]))
      r.fail("clientTypes[" + std::to_string(i) + "]",
             "is not a client type: 1-128 characters without spaces, quotes or controls");
  m.tenants = r.strings("tenants");
  for (size_t i = 0; i < m.tenants.size(); ++i)
    if (!Ids::validTenant(Poco::toLower(m.tenants[i])))
      r.fail("tenants[" + std::to_string(i) + "]",
             "is not a tenant: 1-64 characters of a-z, 0-9, '_' or '-'");
  m.kinds = r.strings("kinds");
  for (size_t i = 0; i < m.kinds.size(); ++i)
    if (m.kinds[i] != "new" && m.kinds[i] != "modify" && m.kinds[i] != "revoke")
      r.fail("kinds[" + std::to_string(i) + "]", "must be new, modify or revoke");
  m.minQuota = r.integer("minQuota");
  if (m.minQuota && (*m.minQuota < 0 || *m.minQuota > Validation::kMaxQuota))
    r.fail("minQuota", "must be between 0 and " + std::to_string(Validation::kMaxQuota));
  m.maxLifetimeDays = r.integer("maxLifetimeDays");
  if (m.maxLifetimeDays && (*m.maxLifetimeDays < 1 || *m.maxLifetimeDays > 36500))
    r.fail("maxLifetimeDays", "must be between 1 and 36500");
  return m;
}

FlowLevel parseLevel(const Reader& r) {
  r.only({"name", "approvers", "policy", "timeout", "onTimeout", "escalateTo"});
  FlowLevel l;
  l.name = r.str("name", true);
  if (l.name.empty()) r.fail("name", "must not be empty");
  l.name = r.text("name", 200, false);
  l.approvers = r.emails("approvers");
  if (l.approvers.empty()) r.fail("approvers", "must list at least one approver");
  if (!r.has("policy")) r.fail("policy", "is required: \"any\", \"all\" or {\"quorum\": N}");
  auto p = r.raw()->get("policy");
  if (p.isString()) {
    std::string s = p.extract<std::string>();
    if (s == "any")
      l.policy = FlowLevel::Policy::Any;
    else if (s == "all")
      l.policy = FlowLevel::Policy::All;
    else
      r.fail("policy", "must be \"any\", \"all\" or {\"quorum\": N}, not \"" + s + "\"");
  } else if (Object::Ptr q = r.object("policy")) {
    if (q->size() != 1 || !q->has("quorum") || q->get("quorum").type() != typeid(Poco::Int64))
      r.fail("policy", "must be \"any\", \"all\" or {\"quorum\": N}");
    l.policy = FlowLevel::Policy::Quorum;
    auto quorum = q->get("quorum").extract<Poco::Int64>();
    l.quorum = quorum < 1 || quorum > 1000 ? 0 : static_cast<int>(quorum);
    if (l.quorum < 1 || l.quorum > static_cast<int>(l.approvers.size()))
      r.fail("policy.quorum", "must be between 1 and the number of approvers (" +
                                  std::to_string(l.approvers.size()) + ")");
  }
  std::string timeout = r.str("timeout", false);
  if (!timeout.empty()) {
    auto ms = Duration::parseMs(timeout);
    if (!ms) r.fail("timeout", "'" + timeout + "' is not a duration such as 90s, 15m, 48h or 7d");
    l.timeoutMs = *ms;
  }
  std::string on = r.str("onTimeout", false);
  if (on == "escalate")
    l.onTimeout = FlowLevel::OnTimeout::Escalate;
  else if (on == "reject")
    l.onTimeout = FlowLevel::OnTimeout::Reject;
  else if (on == "approve")
    l.onTimeout = FlowLevel::OnTimeout::Approve;
  else if (!on.empty())
    r.fail("onTimeout", "must be escalate, reject or approve, not \"" + on + "\"");
  if (l.timeoutMs && l.onTimeout == FlowLevel::OnTimeout::None)
    r.fail("onTimeout", "is required when timeout is set");
  if (!l.timeoutMs && l.onTimeout != FlowLevel::OnTimeout::None)
    r.fail("timeout", "is required when onTimeout is set");
  l.escalateTo = r.emails("escalateTo");
  if (l.onTimeout == FlowLevel::OnTimeout::Escalate && l.escalateTo.empty())
    r.fail("escalateTo", "must list at least one address when onTimeout is escalate");
  if (l.onTimeout != FlowLevel::OnTimeout::Escalate && !l.escalateTo.empty())
    r.fail("escalateTo", "is only used with onTimeout escalate");
  return l;
}

void writeStrings(std::string& out, const char* name, const std::vector<std::string>& v) {
  out += std::string("\"") + name + "\":" + JsonText::array(v);
}
}  // namespace

Flow FlowParser::snapshot(const std::string& json, const std::string& owner) {
  return FlowSnapshotCache::shared().get(json, owner);
}

Flow FlowParser::parse(const std::string& json, const std::string& source) {
  // Strictly: a duplicate member, a number beyond int64 or text that is not UTF-8 is an
  // error, never a silent choice.
  auto parsed = StrictJson::parse(json);
  if (parsed.error) {
    std::string why = parsed.error->message;
    if (why.rfind("the body", 0) == 0) why = "the file" + why.substr(8);
    throw FlowError(source + ": " +
                    (parsed.error->field.empty() ? "" : parsed.error->field + ": ") + why);
  }
  if (parsed.value.type() != typeid(Object::Ptr))
    throw FlowError(source + ": the file must hold one JSON object");
  Object::Ptr root = parsed.value.extract<Object::Ptr>();
  Reader r(root, "", source);
  r.only({"id", "name", "description", "priority", "match", "levels"});
  Flow f;
  f.source = source;
  f.id = r.str("id", true);
  if (!Ids::valid(f.id))
    r.fail("id", "must be 1-64 characters of letters, digits, '.', '_', ':' or '-'");
  f.name = r.text("name", 200, false);
  r.text("description", 2000, true);
  f.priority = r.integer("priority").value_or(0);
  if (auto m = r.object("match")) f.match = parseMatch(Reader(m, "match", source));
  if (!r.has("levels")) r.fail("levels", "is required (an empty list approves at once)");
  Array::Ptr levels = root->getArray("levels");
  if (!levels) r.fail("levels", "must be an array");
  for (size_t i = 0; i < levels->size(); ++i) {
    std::string place = "levels[" + std::to_string(i) + "]";
    Object::Ptr lo = levels->getObject(static_cast<unsigned>(i));
    if (!lo) throw FlowError(source + ": " + place + ": must be an object");
    f.levels.push_back(parseLevel(Reader(lo, place, source)));
  }
  f.version = Crypto::sha256Hex(toJson(f)).substr(0, 16);
  return f;
}

std::string FlowParser::toJson(const Flow& f) {
  std::string out = "{\"id\":" + JsonText::quoted(f.id) + ",\"name\":" + JsonText::quoted(f.name) +
                    ",\"priority\":" + std::to_string(f.priority) + ",\"match\":{";
  writeStrings(out, "scopes", f.match.scopes);
  out += ",";
  writeStrings(out, "clientTypes", f.match.clientTypes);
  out += ",";
  writeStrings(out, "tenants", f.match.tenants);
  out += ",";
  writeStrings(out, "kinds", f.match.kinds);
  out += ",\"minQuota\":" + (f.match.minQuota ? std::to_string(*f.match.minQuota) : "null");
  out += ",\"maxLifetimeDays\":" +
         (f.match.maxLifetimeDays ? std::to_string(*f.match.maxLifetimeDays) : "null") +
         "},\"levels\":[";
  for (size_t i = 0; i < f.levels.size(); ++i) {
    const FlowLevel& l = f.levels[i];
    if (i) out += ",";
    out += "{\"name\":" + JsonText::quoted(l.name) + ",";
    writeStrings(out, "approvers", l.approvers);
    out += ",\"policy\":";
    if (l.policy == FlowLevel::Policy::Any)
      out += "\"any\"";
    else if (l.policy == FlowLevel::Policy::All)
      out += "\"all\"";
    else
      out += "{\"quorum\":" + std::to_string(l.quorum) + "}";
    if (l.timeoutMs) {
      static const char* names[] = {"", "escalate", "reject", "approve"};
      out += ",\"timeout\":" + JsonText::quoted(Duration::format(l.timeoutMs)) +
             ",\"onTimeout\":\"" + names[static_cast<int>(l.onTimeout)] + "\"";
    }
    if (!l.escalateTo.empty()) {
      out += ",";
      writeStrings(out, "escalateTo", l.escalateTo);
    }
    out += "}";
  }
  return out + "]}";
}

}  // namespace keywarden::engine
