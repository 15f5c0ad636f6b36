#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/portal/Session.h"

namespace keywarden::engine::portal {

// Sign-in links, sessions and the look-ups the portal's pages need. Methods run inside the
// caller's Transaction.
class PortalRepository {
 public:
  virtual ~PortalRepository() = default;
  virtual void insertSignin(const SigninLink& l) = 0;
  virtual std::optional<SigninLink> findSignin(const std::string& digestHex) = 0;
  // Marks the link used at `at` if it is unused and unexpired at `at`; false otherwise (the
  // single use: UPDATE … WHERE used_at = 0, inside the transaction that makes the session).
  virtual bool consumeSignin(const std::string& id, int64_t at) = 0;
  // Marks every unused sign-in link of `email` used at `at` (signing in ends the other links
  // mailed to the address); returns how many.
  virtual int voidSigninsOf(const std::string& email, int64_t at) = 0;
  virtual void insertSession(const Session& s) = 0;
  virtual std::optional<Session> findSession(const std::string& digestHex) = 0;
  virtual void touchSession(const std::string& id, int64_t at) = 0;
  // Ends the session at `at`; false when it had ended already.
  virtual bool endSession(const std::string& id, int64_t at) = 0;
  // Ends every live session of `email` (revocation); returns how many.
  virtual int endSessionsOf(const std::string& email, int64_t at) = 0;
  // Deletes sign-in links that expired, and sessions that reached their end or were ended,
  // before `before` (the daily retention job passes a day ago); returns how many.
  virtual int purge(int64_t before) = 0;
  // Ids of the applications `approver` approved, rejected or returned, newest decision first.
  virtual std::vector<std::string> decidedBy(const std::string& approver, int limit) = 0;
  // Ids of the keys `email` holds: keys issued by an application `email` made, and keys of
  // clients whose contact is `email` (the holder rule of ApplicationService, NOT_KEY_HOLDER).
  virtual std::vector<std::string> keysHeldBy(const std::string& email, int limit) = 0;
  // The language `email` chose for mails and pages (a BCP 47 tag such as zh-TW), "" for none.
  virtual std::string languageOf(const std::string& email) = 0;
  // The language of each of `emails` (a duplicate counts once): email -> tag, "" for none. Every
  // email asked for is a key. This default asks languageOf once per distinct email, all in the
  // caller's one transaction; a store may answer it in one statement instead.
  virtual std::map<std::string, std::string> languagesOf(const std::vector<std::string>& emails) {
    std::map<std::string, std::string> out;
    for (const auto& e : emails)
      if (!out.count(e)) out[e] = languageOf(e);
    return out;
  }
  // Saves `email`'s language (replacing any earlier choice).
  virtual void setLanguage(const std::string& email, const std::string& language, int64_t at) = 0;
};

}  // namespace keywarden::engine::portal
