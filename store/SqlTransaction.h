#pragma once

#include <Poco/Data/Session.h>

#include <functional>
#include <vector>

#include "engine/ports/Store.h"
#include "store/SqlApplicationRepository.h"
#include "store/SqlAuditLog.h"
#include "store/SqlCatalogRepository.h"
#include "store/SqlChangeRepository.h"
#include "store/SqlJobRepository.h"
#include "store/SqlKeyRepository.h"
#include "store/SqlOutboxRepository.h"
#include "store/SqlPortalRepository.h"
#include "store/SqlTokenRepository.h"
#include "store/SqlUsageRepository.h"
#include "store/SqliteStatements.h"

namespace keywarden::store {

// The repositories bound to one session for the length of one transaction. `q`: the session's
// prepared-statement cache on SQLite (the hot statements run through it), null on PostgreSQL.
class SqlTransaction : public engine::Transaction {
 public:
  SqlTransaction(Poco::Data::Session& s, const Dialect& d, SqliteStatements* q = nullptr)
      : _catalog(s, q),
        _keys(s, d, q),
        _tokens(s),
        _audit(s, d, q),
        _applications(s, q),
        _outbox(s, d, q),
        _jobs(s, d, q),
        _changes(s, d, q),
        _portal(s, q),
        _usage(s, d),
        _s(s),
        _d(d) {}

  engine::CatalogRepository& catalog() override { return _catalog; }
  engine::KeyRepository& keys() override { return _keys; }
  engine::TokenRepository& tokens() override { return _tokens; }
  engine::AuditLog& audit() override { return _audit; }
  engine::ApplicationRepository& applications() override { return _applications; }
  engine::OutboxRepository& outbox() override { return _outbox; }
  engine::JobRepository& jobs() override { return _jobs; }
  engine::ChangeRepository& changes() override { return _changes; }
  engine::portal::PortalRepository& portal() override { return _portal; }
  engine::UsageRepository& usage() override { return _usage; }
  void exclusive(const std::string& name) override;
  void afterCommit(std::function<void()> fn) override { _after.push_back(std::move(fn)); }

  // Writes what must be written last, inside the transaction (the audit rows and their chain
  // head); called by the store just before COMMIT. Throws to roll the transaction back.
  void beforeCommit() { _audit.flush(); }
  // Runs the after-commit hooks; called by the store once COMMIT succeeded.
  void committed() {
    for (auto& fn : _after) fn();
  }

 private:
  SqlCatalogRepository _catalog;
  SqlKeyRepository _keys;
  SqlTokenRepository _tokens;
  SqlAuditLog _audit;
  SqlApplicationRepository _applications;
  SqlOutboxRepository _outbox;
  SqlJobRepository _jobs;
  SqlChangeRepository _changes;
  SqlPortalRepository _portal;
  SqlUsageRepository _usage;
  Poco::Data::Session& _s;
  const Dialect& _d;
  std::vector<std::function<void()>> _after;
};

}  // namespace keywarden::store
