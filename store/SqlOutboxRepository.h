#pragma once

#include <Poco/Data/Session.h>

#include "engine/ports/OutboxRepository.h"
#include "store/Dialect.h"
#include "store/SqliteStatements.h"

namespace keywarden::store {

// OutboxRepository over one open session (the transaction's).
class SqlOutboxRepository : public engine::OutboxRepository {
 public:
  SqlOutboxRepository(Poco::Data::Session& s, const Dialect& d, SqliteStatements* q = nullptr)
      : _s(s), _q(q), _d(d) {}

  void enqueue(const engine::OutboxMail& m) override;
  std::vector<engine::OutboxMail> claim(int64_t now, int64_t leaseUntil, int limit,
                                        const std::string& owner) override;
  int releaseLeases(const std::string& owner) override;
  bool renewLease(const std::string& id, const std::string& owner, int64_t leaseUntil) override;
  bool release(const std::string& id, const std::string& owner) override;
  void setSubject(const std::string& id, const std::string& subject) override;
  void markSent(const std::string& id, int64_t at) override;
  void markRetry(const std::string& id, const std::string& error, int64_t nextAttemptAt) override;
  void markFailed(const std::string& id, const std::string& error) override;
  std::optional<int64_t> nextDue() override;
  std::vector<engine::OutboxMail> list(const std::string& status,
                                       const std::string& recipient) override;
  void insertLink(const std::string& id, const std::string& applicationId,
                  const std::string& approver, int level, int64_t expiresAt,
                  int64_t createdAt) override;
  bool findLink(const std::string& id, int64_t& usedAt) override;
  void voidLinks(const std::string& applicationId) override;
  bool consumeLink(const std::string& id, int64_t at) override;
  std::optional<engine::OutboxMail> find(const std::string& id) override;
  bool requeue(const std::string& id, const std::string& recipient, const std::string& context,
               int64_t now, int64_t giveUpAt) override;
  bool discard(const std::string& id) override;
  Figures figures() override;
  int64_t lastLinkIssuedAt(const std::string& applicationId, int level) override;

 private:
  Poco::Data::Session& _s;
  SqliteStatements* _q;  // SQLite: the session's statement cache (hot statements); else null
  const Dialect& _d;
};

}  // namespace keywarden::store
