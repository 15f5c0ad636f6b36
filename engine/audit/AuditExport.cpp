#include "engine/audit/AuditExport.h"

#include <Poco/JSON/Object.h>

#include "engine/base/Rfc3339.h"
#include "engine/text/JsonText.h"
#include "engine/text/StrictJson.h"

namespace keywarden::engine {

namespace {
void member(std::string& out, const char* name, const std::string& v) {
  out += ",\"";
  out += name;
  out += "\":";
  JsonText::appendQuoted(out, v);
}
}  // namespace

std::string AuditExport::jsonLine(const ChainedAuditRow& r) {
  const AuditEntry& e = r.entry;
  std::string out = "{\"seq\":" + std::to_string(r.seq);
  member(out, "id", r.id);
  member(out, "at", e.at > 0 ? Rfc3339::format(e.at) : std::string());
  out += ",\"atMs\":" + std::to_string(e.at);
  member(out, "actor", e.actor);
  member(out, "action", e.action);
  member(out, "objectType", e.objectType);
  member(out, "objectId", e.objectId);
  member(out, "tenant", e.tenant);
  auto parsed = StrictJson::parse(e.detail);
  // As is only when it is one JSON object on one line (JSON whitespace may hold line breaks).
  if (!parsed.error && parsed.value.type() == typeid(Poco::JSON::Object::Ptr) &&
      e.detail.find_first_of("\r\n") == std::string::npos)
    out += ",\"detail\":" + e.detail;
  else
    member(out, "detail", e.detail);
  member(out, "prevHash", r.prevHash);
  member(out, "hash", r.hash);
  out += '}';
  return out;
}

}  // namespace keywarden::engine
