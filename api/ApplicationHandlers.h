#pragma once

#include "api/Authenticator.h"
#include "api/JsonWriter.h"
#include "api/Router.h"
#include "engine/applications/ApplicationService.h"

namespace keywarden::api {

// /v1/applications (requester, approver or admin tokens).
class ApplicationHandlers {
 public:
  ApplicationHandlers(engine::ApplicationService& apps, Authenticator& auth)
      : _apps(apps), _auth(auth) {}
  void install(Router& router);

  // The JSON shape of an application, with its history when `withHistory`.
  static void write(JsonWriter& w, const engine::Application& a, bool withHistory);

 private:
  void submit(Exchange& ex);
  void list(Exchange& ex);
  void resubmit(Exchange& ex);
  void decide(Exchange& ex);
  bool caller(Exchange& ex) {
    return _auth.require(ex,
                         {engine::Role::Admin, engine::Role::Requester, engine::Role::Approver});
  }

  engine::ApplicationService& _apps;
  Authenticator& _auth;
};

}  // namespace keywarden::api
