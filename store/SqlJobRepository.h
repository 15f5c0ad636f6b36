#pragma once

#include <Poco/Data/Session.h>

#include "engine/ports/JobRepository.h"
#include "store/Dialect.h"
#include "store/SqliteStatements.h"

namespace keywarden::store {

// JobRepository over one open session (the transaction's).
class SqlJobRepository : public engine::JobRepository {
 public:
  SqlJobRepository(Poco::Data::Session& s, const Dialect& d, SqliteStatements* q = nullptr)
      : _s(s), _q(q), _d(d) {}
  void insert(const engine::Job& j) override;
  void cancel(const std::string& kind, const std::string& refId, int64_t at) override;
  std::vector<engine::Job> claimDue(int64_t now, int limit) override;
  void markDone(const std::string& id, int64_t at) override;
  void markDoneMany(const std::vector<std::string>& ids, int64_t at) override;
  void cancelOthers(const std::vector<std::string>& refIds, const std::string& keepKind,
                    int64_t at) override;
  void markRetry(const std::string& id, const std::string& error, int64_t nextDueAt,
                 int attempts) override;
  void markFailed(const std::string& id, const std::string& error, int attempts) override;
  std::optional<int64_t> nextDue() override;
  std::vector<engine::Job> list(const std::string& status, const std::string& kind) override;
  std::optional<engine::Job> find(const std::string& id) override;
  bool requeueFailed(const std::string& id, int64_t dueAt) override;
  bool pendingExists(const std::string& kind) override;
  Figures figures(int64_t now) override;

 private:
  Poco::Data::Session& _s;
  SqliteStatements* _q;  // SQLite: the session's statement cache (hot statements); else null
  const Dialect& _d;
};

}  // namespace keywarden::store
