#pragma once

#include <Poco/Data/Session.h>

#include "engine/ports/TokenRepository.h"

namespace keywarden::store {

class SqlTokenRepository : public engine::TokenRepository {
 public:
  explicit SqlTokenRepository(Poco::Data::Session& s) : _s(s) {}
  void insert(const engine::AccessToken& t) override;
  std::optional<engine::AccessToken> findByDigest(const std::string& digestHex) override;
  int64_t countActive(engine::Role role) override;
  std::vector<engine::AccessToken> list() override;
  bool revoke(const std::string& id, int64_t at) override;

 private:
  Poco::Data::Session& _s;
};

}  // namespace keywarden::store
