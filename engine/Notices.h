#pragma once

#include <Poco/JSON/Object.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/Application.h"
#include "engine/Key.h"
#include "engine/LinkSigner.h"
#include "engine/SecretBox.h"
#include "engine/Store.h"

namespace keywarden::engine {

// Decides which e-mails a change causes and writes them to the outbox, in the transaction of
// the change (so a crash never loses one and a rollback never sends one). Each mail carries the
// context its template renders: what it is about (application number and key name, or key name
// and start, and the client) and what to do next. A key travels only sealed. Thread-safe.
class Notices {
 public:
  Notices(const SecretBox& sealer, const LinkSigner& links, std::string baseUrl, int64_t giveUpMs);

  // To each approver of the application's current level, with that approver's own link.
  void levelEntered(Transaction& tx, const Application& a, int64_t now) const;
  // To approvers added to the current level when it timed out, each with their own link.
  void escalated(Transaction& tx, const Application& a, const std::vector<std::string>& approvers,
                 int64_t now) const;
  // A reminder (POST /v1/applications/{id}/remind): approval-requested again to `approvers`,
  // each with a fresh link; the context has "reminder": true.
  void reminded(Transaction& tx, const Application& a, const std::vector<std::string>& approvers,
                int64_t now) const;
  // The daily digest: what waits for one approver, each with a fresh link.
  void digest(Transaction& tx, const std::string& approver, const std::vector<Application>& waiting,
              int64_t now) const;
  // To the key's holder: expiring soon (reminder) or expired.
  void keyExpiring(Transaction& tx, const Key& k, int64_t now) const;
  void keyExpired(Transaction& tx, const Key& k, int64_t now) const;
  // To the requester, with the new key (sealed until sent).
  void keyIssued(Transaction& tx, const Application& a, const Key& k, const std::string& plaintext,
                 int64_t now) const;
  // To the requester: a modify or revoke application was carried out.
  void applicationApproved(Transaction& tx, const Application& a, int64_t now) const;
  // To the requester: rejected or returned, with the approver's comment.
  void decided(Transaction& tx, const Application& a, const std::string& event,
               const std::string& approver, const std::string& comment, int64_t now) const;
  // To the requester and to the approvers it was waiting for.
  void withdrawn(Transaction& tx, const Application& a, const std::vector<std::string>& approvers,
                 int64_t now) const;
  // To the key's holder (its requester, else its client's contact).
  void keyRevoked(Transaction& tx, const Key& k, const std::string& reason, int64_t now) const;
  void keyRotated(Transaction& tx, const Key& old, const Key& fresh, int64_t now) const;

  // Called after each commit that enqueued mail (the sender wakes up).
  void onEnqueue(std::function<void()> wake) { _wake = std::move(wake); }

  // Who is told about a key: the requester of its application, else its client's contact.
  static std::string holderOf(Transaction& tx, const Key& k);

 private:
  Poco::JSON::Object::Ptr applicationContext(Transaction& tx, const Application& a) const;
  Poco::JSON::Object::Ptr keyContext(Transaction& tx, const Key& k) const;
  void enqueue(Transaction& tx, const std::string& event, const std::string& to,
               Poco::JSON::Object::Ptr ctx, const std::string& secret,
               const std::string& applicationId, const std::string& keyId, int64_t now) const;

  const SecretBox& _sealer;
  const LinkSigner& _links;
  const std::string _baseUrl;
  const int64_t _giveUpMs;
  std::function<void()> _wake;
};

}  // namespace keywarden::engine
