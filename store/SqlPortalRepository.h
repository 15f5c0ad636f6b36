#pragma once

#include <Poco/Data/Session.h>

#include "engine/portal/PortalRepository.h"
#include "store/SqliteStatements.h"

namespace keywarden::store {

// The portal's sign-in links and sessions (tables portal_signins, portal_sessions; migration 8)
// and its two look-ups over decisions and keys.
class SqlPortalRepository : public engine::portal::PortalRepository {
 public:
  explicit SqlPortalRepository(Poco::Data::Session& s, SqliteStatements* q = nullptr)
      : _s(s), _q(q) {}
  void insertSignin(const engine::portal::SigninLink& l) override;
  std::optional<engine::portal::SigninLink> findSignin(const std::string& digestHex) override;
  bool consumeSignin(const std::string& id, int64_t at) override;
  int voidSigninsOf(const std::string& email, int64_t at) override;
  void insertSession(const engine::portal::Session& s) override;
  std::optional<engine::portal::Session> findSession(const std::string& digestHex) override;
  void touchSession(const std::string& id, int64_t at) override;
  bool endSession(const std::string& id, int64_t at) override;
  int endSessionsOf(const std::string& email, int64_t at) override;
  int purge(int64_t before) override;
  std::vector<std::string> decidedBy(const std::string& approver, int limit) override;
  std::vector<std::string> keysHeldBy(const std::string& email, int limit) override;
  // Table person_languages (migration 10).
  std::string languageOf(const std::string& email) override;
  void setLanguage(const std::string& email, const std::string& language, int64_t at) override;

 private:
  Poco::Data::Session& _s;
  SqliteStatements* _q;  // SQLite: the session's statement cache (hot statements); else null
};

}  // namespace keywarden::store
