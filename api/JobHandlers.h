#pragma once

#include "api/Authenticator.h"
#include "api/Router.h"
#include "engine/jobs/JobLog.h"

namespace keywarden::api {

// GET /v1/jobs?status=&kind= and POST /v1/jobs/{id}/retry (admins of every tenant).
class JobHandlers {
 public:
  JobHandlers(engine::JobLog& log, Authenticator& auth) : _log(log), _auth(auth) {}
  void install(Router& router);

 private:
  engine::JobLog& _log;
  Authenticator& _auth;
};

}  // namespace keywarden::api
