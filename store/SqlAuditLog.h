#pragma once

#include <Poco/Data/Session.h>

#include "engine/AuditLog.h"

namespace keywarden::store {

class SqlAuditLog : public engine::AuditLog {
 public:
  explicit SqlAuditLog(Poco::Data::Session& s) : _s(s) {}
  void append(const engine::AuditEntry& e) override;
  void appendMany(const std::vector<engine::AuditEntry>& entries) override;

 private:
  Poco::Data::Session& _s;
};

}  // namespace keywarden::store
