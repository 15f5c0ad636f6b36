#pragma once

#include <cstdint>
#include <string>

#include "engine/ports/AuditLog.h"

namespace keywarden::engine {

// One audit row as the chain sees it: its place (`seq`, 1, 2, 3 … per store, in commit
// order), its fields, the hash of the row before it and its own hash.
struct ChainedAuditRow {
  int64_t seq = 0;
  std::string id;
  AuditEntry entry;
  std::string prevHash;  // 64 lower-case hex characters; the genesis value for seq 1
  std::string hash;      // 64 lower-case hex characters
};

// The hash chain over the audit trail (docs/audit.md). A row's hash is
//   SHA-256( "keywarden-audit-v1\n" || field(seq) || field(id) || field(at) || field(actor)
//            || field(action) || field(objectType) || field(objectId) || field(tenant)
//            || field(detail) || field(prevHash) )
// where field(x) = decimal byte length of x, ':', the bytes of x, '\n' (numbers in decimal
// ASCII, `at` in epoch milliseconds; strings as stored, UTF-8, unchanged). The length prefix
// makes the encoding injective: no two different rows encode to the same bytes. The first
// row's prevHash is the genesis value, 64 '0' characters. Stateless; thread-safe.
class AuditChain {
 public:
  static const std::string& genesis();
  // The bytes that are hashed (the row's own `hash` is not part of them).
  static std::string canonical(const ChainedAuditRow& r);
  // SHA-256 of canonical(r), as 64 lower-case hex characters.
  static std::string hashOf(const ChainedAuditRow& r);
};

}  // namespace keywarden::engine
