#pragma once

#include <string>

#include "api/JsonWriter.h"
#include "engine/model/ApiDef.h"
#include "engine/model/Client.h"
#include "engine/model/Group.h"
#include "engine/model/Key.h"

namespace keywarden::api {

// The JSON shapes of the catalog and key objects (docs/openapi.json, components/schemas).
class Serialize {
 public:
  static void client(JsonWriter& w, const engine::Client& c);
  static void api(JsonWriter& w, const engine::ApiDef& a);
  static void group(JsonWriter& w, const engine::Group& g);
  // Never the plaintext nor the digest; `plaintext` is added only when given (creation).
  static void key(JsonWriter& w, const engine::Key& k, const std::string& plaintext = "");
  static void keyFields(JsonWriter& w, const engine::Key& k);
};

}  // namespace keywarden::api
