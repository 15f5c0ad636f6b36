#pragma once

#include <Poco/Data/Session.h>

#include "engine/ports/AuditLog.h"
#include "store/Dialect.h"

namespace keywarden::store {

class SqlAuditLog : public engine::AuditLog {
 public:
  SqlAuditLog(Poco::Data::Session& s, const Dialect& d) : _s(s), _d(d) {}
  void append(const engine::AuditEntry& e) override;
  void appendMany(const std::vector<engine::AuditEntry>& entries) override;

 private:
  Poco::Data::Session& _s;
  const Dialect& _d;
};

}  // namespace keywarden::store
