#pragma once

#include <string>
#include <vector>

#include "engine/AccessToken.h"
#include "engine/OutboxMail.h"
#include "engine/Result.h"
#include "engine/Store.h"

namespace keywarden::engine {

// The mail log (GET /v1/mail): what was sent, when, how many attempts, the last error.
class MailLog {
 public:
  explicit MailLog(Store& store) : _store(store) {}
  // Admins of every tenant only (mail crosses tenants). Never returns the sealed key.
  Result<std::vector<OutboxMail>> list(const Principal& p, const std::string& status,
                                       const std::string& to);

 private:
  Store& _store;
};

}  // namespace keywarden::engine
