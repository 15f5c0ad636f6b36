#pragma once

#include <cstdint>
#include <string>

#include "api/JsonWriter.h"
#include "engine/catalog/CatalogService.h"
#include "engine/model/Application.h"
#include "engine/model/Key.h"
#include "web/Texts.h"

namespace keywarden::web {

// The JSON contexts the portal's templates render: applications and keys as people read them —
// names with method and path, times and amounts in words, the dangerous parts called out.
// Words the server writes itself come from templates/strings.json in the visitor's language
// (Texts), and so do the engine's phrases (flow rules, decisions, relative times, amounts:
// engine/text/Phrase, said through Texts::say). Stateless; thread-safe.
class Views {
 public:
  static int64_t now();
  // A principal that only reads the catalog (client names, APIs) for the pages.
  static engine::Principal reader();
  // One row of a list (an object inside an open array).
  static void row(api::JsonWriter& w, const engine::Application& a, int64_t now, const Texts& t);
  // The fields of one application's page (into an open object): client and owner, requester,
  // APIs by name/method/path, groups, scopes, validity and quota in words, warnings, the
  // levels with their rule and who decided, the timeline, who is waited for.
  static void application(api::JsonWriter& w, const engine::Application& a,
                          engine::CatalogService& catalog, int64_t now, const Texts& t);
  // A key as a row (inside an open array) or as its page's fields (into an open object).
  static void keyRow(api::JsonWriter& w, const engine::Key& k, int64_t now, const Texts& t);
  static void key(api::JsonWriter& w, const engine::Key& k, engine::CatalogService& catalog,
                  int64_t now, const Texts& t);
  // In the visitor's language (strings state.<STATE>, kind.<kind>).
  static std::string stateText(engine::AppState s, const Texts& t);
  static std::string kindText(engine::AppKind k, const Texts& t);
};

}  // namespace keywarden::web
