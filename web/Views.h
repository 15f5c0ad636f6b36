#pragma once

#include <cstdint>
#include <string>

#include "api/JsonWriter.h"
#include "engine/catalog/CatalogService.h"
#include "engine/model/Application.h"
#include "engine/model/Key.h"

namespace keywarden::web {

// The JSON contexts the portal's templates render: applications and keys as people read them —
// names with method and path, times and amounts in words, the dangerous parts called out.
// Stateless; thread-safe.
class Views {
 public:
  static int64_t now();
  // A principal that only reads the catalog (client names, APIs) for the pages.
  static engine::Principal reader();
  // One row of a list (an object inside an open array).
  static void row(api::JsonWriter& w, const engine::Application& a, int64_t now);
  // The fields of one application's page (into an open object): client and owner, requester,
  // APIs by name/method/path, groups, scopes, validity and quota in words, warnings, the
  // levels with their rule and who decided, the timeline, who is waited for.
  static void application(api::JsonWriter& w, const engine::Application& a,
                          engine::CatalogService& catalog, int64_t now);
  // A key as a row (inside an open array) or as its page's fields (into an open object).
  static void keyRow(api::JsonWriter& w, const engine::Key& k, int64_t now);
  static void key(api::JsonWriter& w, const engine::Key& k, engine::CatalogService& catalog,
                  int64_t now);
  static std::string stateText(engine::AppState s);
  static std::string kindText(engine::AppKind k);
};

}  // namespace keywarden::web
