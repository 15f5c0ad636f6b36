#include "engine/audit/AuditChain.h"

#include "engine/crypto/Crypto.h"

namespace keywarden::engine {

namespace {
void field(std::string& out, const std::string& v) {
  out += std::to_string(v.size());
  out += ':';
  out += v;
  out += '\n';
}
}  // namespace

const std::string& AuditChain::genesis() {
  static const std::string kGenesis(64, '0');
  return kGenesis;
}

std::string AuditChain::canonical(const ChainedAuditRow& r) {
  const AuditEntry& e = r.entry;
  std::string out;
  out.reserve(128 + r.id.size() + e.actor.size() + e.action.size() + e.objectType.size() +
              e.objectId.size() + e.tenant.size() + e.detail.size() + r.prevHash.size());
  out += "keywarden-audit-v1\n";
  field(out, std::to_string(r.seq));
  field(out, r.id);
  field(out, std::to_string(e.at));
  field(out, e.actor);
  field(out, e.action);
  field(out, e.objectType);
  field(out, e.objectId);
  field(out, e.tenant);
  field(out, e.detail);
  field(out, r.prevHash);
  return out;
}

std::string AuditChain::hashOf(const ChainedAuditRow& r) {
  return Crypto::sha256Hex(canonical(r));
}

}  // namespace keywarden::engine
