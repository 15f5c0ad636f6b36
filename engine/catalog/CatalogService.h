#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "engine/base/Clock.h"
#include "engine/base/Result.h"
#include "engine/check/KeyCache.h"
#include "engine/model/AccessToken.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// Clients, the API registry and authorization groups (contract §4 "Catalog"). Every change is
// one transaction with its audit row; the check path's cache is updated after commit.
// Tenant-scoped principals reach only their own tenant. Thread-safe.
class CatalogService {
 public:
  CatalogService(Store& store, KeyCache& cache, const Clock& clock);

  // Loads clients and the compiled API catalog into the cache (start-up).
  void warmCache();
  // Re-reads these clients (and the API catalog when `catalog`) into the cache after `tx`
  // ends: another instance changed them. Run it in a write transaction, so no local change
  // commits between the read and the cache update.
  void reload(Transaction& tx, const std::vector<std::string>& clientIds, bool catalog);

  Result<Client> createClient(const Principal& p, Client c);
  Result<Client> getClient(const Principal& p, const std::string& id);
  Result<std::vector<Client>> listClients(const Principal& p, const std::string& tenant);
  // Updates run `patch` on the stored object inside the write transaction, so concurrent
  // updates never lose each other's fields.
  template <typename T>
  using Patch = std::function<std::optional<Error>(T&)>;
  Result<Client> updateClient(const Principal& p, const std::string& id,
                              const Patch<Client>& patch);
  Status deleteClient(const Principal& p, const std::string& id);

  Result<ApiDef> createApi(const Principal& p, ApiDef a);
  Result<ApiDef> getApi(const Principal& p, const std::string& id);
  Result<std::vector<ApiDef>> listApis(const Principal& p, const std::string& tenant);
  Result<ApiDef> updateApi(const Principal& p, const std::string& id, const Patch<ApiDef>& patch);
  Status deleteApi(const Principal& p, const std::string& id);

  Result<Group> createGroup(const Principal& p, Group g);
  Result<Group> getGroup(const Principal& p, const std::string& id);
  Result<std::vector<Group>> listGroups(const Principal& p, const std::string& tenant);
  Result<Group> updateGroup(const Principal& p, const std::string& id, const Patch<Group>& patch);
  Status deleteGroup(const Principal& p, const std::string& id);

  // Resolves the tenant a principal acts in: `requested` if allowed, else its own or `default`.
  static Result<std::string> tenantFor(const Principal& p, const std::string& requested);

 private:
  std::optional<Error> checkClient(const Client& c) const;
  std::optional<Error> checkApi(const ApiDef& a) const;
  std::optional<Error> checkGroup(Transaction& tx, const Group& g) const;
  // The API catalog as `tx` sees it, compiled for the check path.
  static std::shared_ptr<const ApiCatalog> compile(Transaction& tx);
  void refreshCatalog(Transaction& tx);
  void publishClient(Transaction& tx, const Client& c);
  void audit(Transaction& tx, const Principal& p, const std::string& action,
             const std::string& type, const std::string& id, const std::string& tenant);

  Store& _store;
  KeyCache& _cache;
  const Clock& _clock;
  std::atomic<uint64_t> _catalogGeneration{0};
};

}  // namespace keywarden::engine
