#pragma once

#include <string>

#include "engine/audit/AuditChain.h"

namespace keywarden::engine {

// One audit row as one line of JSON for a SIEM (`keywarden audit export`, docs/audit.md):
// {"seq":…,"id":…,"at":"RFC 3339","atMs":…,"actor":…,"action":…,"objectType":…,"objectId":…,
//  "tenant":…,"detail":{…},"prevHash":…,"hash":…} without a trailing newline. `detail` is the
// stored JSON object as is (a string if it is not a JSON object). Rows from before the chain
// have seq 0 and empty hashes. Audit rows never hold a key, token or link, so neither does
// this. Stateless; thread-safe.
class AuditExport {
 public:
  static std::string jsonLine(const ChainedAuditRow& r);
};

}  // namespace keywarden::engine
