#pragma once

// Helpers shared by the source files of ApplicationService (not part of its interface).

#include <Poco/String.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/Error.h"
#include "engine/flows/Flow.h"
#include "engine/flows/FlowParser.h"
#include "engine/model/AccessToken.h"
#include "engine/model/Application.h"
#include "engine/model/KeySpec.h"
#include "engine/text/Validation.h"

namespace keywarden::engine::application_detail {

inline std::string lower(const std::string& s) {
  return Poco::toLower(Poco::trim(s));
}

inline Error stateConflict(const Application& a, AppEvent e) {
  return Error::conflict("INVALID_STATE", "application " + a.number + " is " +
                                              std::string(appStateName(a.state)) + ": '" +
                                              std::string(appEventName(e)) + "' is not allowed");
}

// Decisions at the current level since the application last entered review.
inline std::vector<const Decision*> levelDecisions(const Application& a) {
  size_t start = 0;
  for (size_t i = 0; i < a.history.size(); ++i)
    if (a.history[i].event == "submit" || a.history[i].event == "resubmit") start = i;
  std::vector<const Decision*> out;
  for (size_t i = start; i < a.history.size(); ++i)
    if (a.history[i].level == a.level && a.level > 0) out.push_back(&a.history[i]);
  return out;
}

inline Flow snapshotOf(const Application& a) {
  return FlowParser::snapshot(a.flowSnapshot, a.number);
}

inline Principal systemFor(const Application& a) {
  Principal s;
  s.tokenId = "system";
  s.role = Role::Admin;
  s.actorName = "application:" + a.number;
  return s;
}

// The key an application asks for (or, for modify, describes).
inline KeySpec specOf(const Application& a) {
  KeySpec s;
  s.tenant = a.tenant;
  s.clientId = a.clientId;
  s.name = a.keyName;
  s.scopes = a.scopes;
  s.apis = a.apis;
  s.groups = a.groups;
  s.effectiveAt = a.effectiveAt;
  s.expiresAt = a.expiresAt;
  s.quota = a.quota;
  return s;
}

}  // namespace keywarden::engine::application_detail
