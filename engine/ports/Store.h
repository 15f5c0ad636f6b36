#pragma once

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "engine/base/Result.h"

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

template <typename T>
struct IsResult : std::false_type {};
template <typename T>
struct IsResult<Result<T>> : std::true_type {};

// The persistent store. Thread-safe.
//
// A write transaction fails in one way: its function returns an Error. The Result-returning
// `write` below commits when `fn` returns a value and rolls back when it returns an Error,
// and hands that Result to the caller. An exception out of `fn` (a bug, a lost database:
// `StoreBusy`) also rolls back, and propagates. A `fn` that returns nothing cannot fail
// in the expected way; it commits when it returns.
class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in a write transaction: committed when `fn` returns, rolled back when it throws.
  virtual void write(const std::function<void(Transaction&)>& fn) = 0;

  // Runs `fn` (Transaction& -> Result<T>) in a write transaction: committed when it returns a
  // value, rolled back when it returns an Error; returns what `fn` returned.
  template <typename Fn, typename R = std::invoke_result_t<Fn&, Transaction&>,
            typename = std::enable_if_t<IsResult<R>::value>>
  R write(Fn&& fn) {
    struct RollBack {};
    std::optional<R> out;
    try {
      write(std::function<void(Transaction&)>([&](Transaction& tx) {
        out.emplace(fn(tx));
        if (!out->ok()) throw RollBack{};
      }));
    } catch (const RollBack&) {
    }
    return std::move(*out);
  }
  // Runs `fn` with a consistent read view; `fn` must not write.
  virtual void read(const std::function<void(Transaction&)>& fn) = 0;
  // True when the database answers.
  virtual bool ping() = 0;
};

}  // namespace keywarden::engine
