#pragma once

#include <Poco/JSON/Object.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/crypto/SecretBox.h"
#include "engine/model/Application.h"
#include "engine/model/Key.h"
#include "engine/notices/LinkSigner.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// Decides which e-mails a change causes and writes them to the outbox, in the transaction of
// the change (so a crash never loses one and a rollback never sends one). Each mail carries the
// context its template renders (docs/API.md §9.1): what happened, who did it (an approver, the
// requester, an administrator, or the flow's own rule), and what the reader can do next — what
// a key may call (API names with method and path, groups, scopes; "unrestricted" only for a key
// with none of them), the decisions and approvers' comments so far, and the exact API call for
// the next step. The application and key fields are engine/notices/ApplicationView's; every
// sentence is a phrase (engine/text/Phrase) said in the recipient's language when the mail is
// rendered. A key travels only sealed. Thread-safe.
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
  // To the requester: rejected or returned by `d` (an approver, or the flow's timeout rule when
  // d.approver is "system"), with the comment.
  void decided(Transaction& tx, const Application& a, const Decision& d, int64_t now) const;
  // A level was decided by `d` (approved to completion, rejected, returned, or by the flow's
  // timeout rule): `level-completed` to each of `waiting` (the level's approvers who had not
  // decided yet) but the decider — they need not act any more — and, when the application moved
  // on to its next level, `application-progress` to the requester with the decision and comment.
  void levelDecided(Transaction& tx, const Application& a, const Decision& d,
                    const std::vector<std::string>& waiting, int64_t now) const;
  // To the requester and to the approvers it was waiting for. `byRequester`: the requester
  // withdrew it; else an administrator did, as `actor` (e.g. "token:tok_…").
  void withdrawn(Transaction& tx, const Application& a, const std::vector<std::string>& approvers,
                 bool byRequester, const std::string& actor, int64_t now) const;
  // To the key's holder (its requester, else its client's contact).
  void keyRevoked(Transaction& tx, const Key& k, const std::string& reason, int64_t now) const;
  void keyRotated(Transaction& tx, const Key& old, const Key& fresh, int64_t now) const;

  // To `to`: a link that signs in to the web portal (contract §7). The token travels sealed, as
  // a key does, and is erased once the mail is sent; `expiresAt` (ms) says until when it works.
  void signIn(Transaction& tx, const std::string& to, const std::string& token, int64_t expiresAt,
              int64_t now) const;

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
