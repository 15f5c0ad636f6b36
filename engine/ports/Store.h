#pragma once

#include <functional>
#include <string>

#include "engine/ports/ApplicationRepository.h"
#include "engine/ports/AuditLog.h"
#include "engine/ports/CatalogRepository.h"
#include "engine/ports/ChangeRepository.h"
#include "engine/ports/JobRepository.h"
#include "engine/ports/KeyRepository.h"
#include "engine/ports/OutboxRepository.h"
#include "engine/ports/TokenRepository.h"
#include "engine/ports/UsageRepository.h"

namespace keywarden::engine {

namespace portal {
class PortalRepository;  // engine/portal/PortalRepository.h
}

// One unit of work: every repository reached through it reads and writes in one database
// transaction. Valid only inside Store::write / Store::read.
class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual CatalogRepository& catalog() = 0;
  virtual KeyRepository& keys() = 0;
  virtual TokenRepository& tokens() = 0;
  virtual AuditLog& audit() = 0;
  virtual ApplicationRepository& applications() = 0;
  virtual OutboxRepository& outbox() = 0;
  virtual JobRepository& jobs() = 0;
  virtual ChangeRepository& changes() = 0;
  virtual portal::PortalRepository& portal() = 0;  // sign-in links and web sessions
  virtual UsageRepository& usage() = 0;            // usage history in time buckets
  // Serialises this transaction with every other one that takes the same `name` — on this
  // instance and on others sharing the database — until it ends.
  virtual void exclusive(const std::string& name) = 0;
  // Runs `fn` after this transaction commits (never if it rolls back): how in-memory state
  // such as the check path's cache follows the store without getting ahead of it.
  virtual void afterCommit(std::function<void()> fn) = 0;
};

// The persistent store. Thread-safe.
class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in a write transaction: committed when `fn` returns, rolled back when it throws.
  virtual void write(const std::function<void(Transaction&)>& fn) = 0;
  // Runs `fn` with a consistent read view; `fn` must not write.
  virtual void read(const std::function<void(Transaction&)>& fn) = 0;
  // True when the database answers.
  virtual bool ping() = 0;
};

}  // namespace keywarden::engine
