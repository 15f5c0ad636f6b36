#include "engine/MailLog.h"

namespace keywarden::engine {

Result<std::vector<OutboxMail>> MailLog::list(const Principal& p, const std::string& status,
                                              const std::string& to) {
  if (p.role != Role::Admin || !p.tenant.empty())
    return Error::forbidden("FORBIDDEN_ROLE", "the mail log is for admin tokens of all tenants");
  if (!status.empty() && status != "PENDING" && status != "SENDING" && status != "SENT" &&
      status != "FAILED")
    return Error::badInput("status", "status must be PENDING, SENDING, SENT or FAILED");
  std::vector<OutboxMail> out;
  _store.read([&](Transaction& tx) { out = tx.outbox().list(status, to); });
  for (auto& m : out) m.sealedSecret.clear();
  return out;
}

}  // namespace keywarden::engine
