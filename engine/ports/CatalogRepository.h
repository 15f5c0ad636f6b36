#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model/ApiDef.h"
#include "engine/model/Client.h"
#include "engine/model/Group.h"

namespace keywarden::engine {

// Clients, APIs and authorization groups. Methods run inside the caller's Transaction.
// `tenant` filters are exact; an empty filter means every tenant.
class CatalogRepository {
 public:
  virtual ~CatalogRepository() = default;

  virtual void insertClient(const Client& c) = 0;
  virtual void updateClient(const Client& c) = 0;
  virtual void deleteClient(const std::string& id) = 0;
  virtual std::optional<Client> findClient(const std::string& id) = 0;
  virtual std::vector<Client> listClients(const std::string& tenant) = 0;

  virtual void insertApi(const ApiDef& a) = 0;
  virtual void updateApi(const ApiDef& a) = 0;
  virtual void deleteApi(const std::string& id) = 0;
  virtual std::optional<ApiDef> findApi(const std::string& id) = 0;
  virtual std::vector<ApiDef> listApis(const std::string& tenant) = 0;

  virtual void insertGroup(const Group& g) = 0;
  virtual void updateGroup(const Group& g) = 0;
  virtual void deleteGroup(const std::string& id) = 0;
  virtual std::optional<Group> findGroup(const std::string& id) = 0;
  virtual std::vector<Group> listGroups(const std::string& tenant) = 0;
};

}  // namespace keywarden::engine
