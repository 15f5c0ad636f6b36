#pragma once

// Helpers shared by the source files of ApplicationService (not part of its interface).

#include <Poco/String.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "engine/AccessToken.h"
#include "engine/Application.h"
#include "engine/Error.h"
#include "engine/Flow.h"
#include "engine/FlowParser.h"
#include "engine/KeySpec.h"

namespace keywarden::engine::application_detail {

// Thrown inside a write transaction to roll it back and answer with `error`.
struct Abort {
  Error error;
};

// Free text a person writes (a comment, a description): well-formed UTF-8 (RFC 3629: no overlong
// form, no surrogate, nothing above U+10FFFF), no control character but tab, CR and LF, and at
// most `maxChars` characters (code points, not bytes). The error names `field`; nothing is cut.
inline std::optional<Error> checkText(const std::string& field, const std::string& v,
                                      size_t maxChars) {
  size_t chars = 0;
  for (size_t i = 0; i < v.size(); ++chars) {
    const auto b = static_cast<unsigned char>(v[i]);
    size_t len = b < 0x80           ? 1
                 : (b >> 5) == 0x6  ? 2
                 : (b >> 4) == 0xE  ? 3
                 : (b >> 3) == 0x1E ? 4
                                    : 0;
    uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = len > 0 && i + len <= v.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto c = static_cast<unsigned char>(v[i + k]);
      ok = (c & 0xC0) == 0x80;
      cp = (cp << 6) | (c & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMin[len] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    if (!ok)
      return Error::badInput(field,
                             field + " is not valid UTF-8 (at byte " + std::to_string(i) + ")");
    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F) {
      char code[8];
      snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
      return Error::badInput(field, field + " holds the control character " + code +
                                        "; only tab and line breaks may appear");
    }
    i += len;
  }
  if (chars > maxChars)
    return Error::badInput(field, field + " is longer than " + std::to_string(maxChars) +
                                      " characters (it has " + std::to_string(chars) + ")");
  return std::nullopt;
}

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
  return FlowParser::parse(a.flowSnapshot, "flow snapshot of " + a.number);
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
