#pragma once

#include <Poco/Data/Session.h>

#include "engine/ports/CatalogRepository.h"
#include "store/SqliteStatements.h"

namespace keywarden::store {

// CatalogRepository over one open session (the transaction's).
class SqlCatalogRepository : public engine::CatalogRepository {
 public:
  explicit SqlCatalogRepository(Poco::Data::Session& s, SqliteStatements* q = nullptr)
      : _s(s), _q(q) {}

  void insertClient(const engine::Client& c) override;
  void updateClient(const engine::Client& c) override;
  void deleteClient(const std::string& id) override;
  std::optional<engine::Client> findClient(const std::string& id) override;
  std::vector<engine::Client> listClients(const std::string& tenant) override;

  void insertApi(const engine::ApiDef& a) override;
  void updateApi(const engine::ApiDef& a) override;
  void deleteApi(const std::string& id) override;
  std::optional<engine::ApiDef> findApi(const std::string& id) override;
  std::vector<engine::ApiDef> listApis(const std::string& tenant) override;

  void insertGroup(const engine::Group& g) override;
  void updateGroup(const engine::Group& g) override;
  void deleteGroup(const std::string& id) override;
  std::optional<engine::Group> findGroup(const std::string& id) override;
  std::vector<engine::Group> listGroups(const std::string& tenant) override;

 private:
  Poco::Data::Session& _s;
  SqliteStatements* _q;  // SQLite: the session's statement cache (hot statements); else null
};

}  // namespace keywarden::store
