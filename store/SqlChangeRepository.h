#pragma once

#include <Poco/Data/Session.h>

#include <set>
#include <utility>

#include "engine/ports/ChangeRepository.h"
#include "store/Dialect.h"
#include "store/SqliteStatements.h"

namespace keywarden::store {

// One per transaction (it remembers the sequence number it drew).
class SqlChangeRepository : public engine::ChangeRepository {
 public:
  SqlChangeRepository(Poco::Data::Session& s, const Dialect& d, SqliteStatements* q = nullptr)
      : _s(s), _q(q), _d(d) {}
  using engine::ChangeRepository::record;  // the ChangeKind forms
  using engine::ChangeRepository::recordMany;
  void record(const std::string& kind, const std::string& refId, const std::string& origin,
              int64_t at) override;
  void recordMany(const std::string& kind, const std::vector<std::string>& refIds,
                  const std::string& origin, int64_t at) override;
  std::vector<engine::Change> since(int64_t seq, int limit) override;
  int64_t latest() override;
  int purge(int64_t before) override;

 private:
  void drawSequence();

  Poco::Data::Session& _s;
  SqliteStatements* _q;  // SQLite: the session's statement cache (hot statements); else null
  const Dialect& _d;
  int64_t _seq = 0;  // drawn at the first record of this transaction
  std::set<std::pair<std::string, std::string>> _recorded;
};

}  // namespace keywarden::store
