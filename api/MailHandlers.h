#pragma once

#include "api/Authenticator.h"
#include "api/Router.h"
#include "engine/notices/MailLog.h"

namespace keywarden::api {

// GET /v1/mail?status=&to= (admin): the mail log. Never shows a key, only whether one is held
// sealed (keySealed). POST /v1/mail/{id}/resend {to?} and /discard: recovery of a FAILED mail.
class MailHandlers {
 public:
  MailHandlers(engine::MailLog& log, Authenticator& auth) : _log(log), _auth(auth) {}
  void install(Router& router);

 private:
  engine::MailLog& _log;
  Authenticator& _auth;
};

}  // namespace keywarden::api
