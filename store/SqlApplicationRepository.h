#pragma once

#include <Poco/Data/Session.h>

#include "engine/ports/ApplicationRepository.h"
#include "store/SqliteStatements.h"

namespace keywarden::store {

// ApplicationRepository over one open session (the transaction's). With `q` (SQLite: the
// session's statement cache) the statements of the approvals path run through it.
class SqlApplicationRepository : public engine::ApplicationRepository {
 public:
  explicit SqlApplicationRepository(Poco::Data::Session& s, SqliteStatements* q = nullptr)
      : _s(s), _q(q) {}

  void insert(const engine::Application& a) override;
  bool update(const engine::Application& a, int64_t expectedVersion) override;
  std::optional<engine::Application> find(const std::string& id) override;
  std::vector<engine::Application> list(const engine::AppFilter& f) override;
  void addDecision(const engine::Decision& d) override;
  int64_t nextSequence(const std::string& name) override;
  int purge(int64_t before) override;

 private:
  std::vector<engine::Decision> history(const std::string& id);
  Poco::Data::Session& _s;
  SqliteStatements* _q;
};

}  // namespace keywarden::store
