#pragma once

#include <string>
#include <vector>

#include "api/Exchange.h"
#include "api/JsonWriter.h"
#include "engine/base/Result.h"

namespace keywarden::api {

// Sends a Result: the error in the contract's shape, or `status` with `write(w, value)`.
template <typename T, typename Write>
void respond(Exchange& ex, const engine::Result<T>& r, int status, Write write) {
  if (!r) return ex.sendError(r.error());
  JsonWriter w;
  write(w, r.value());
  ex.sendJson(status, w.str());
}

// Sends a list as {"<name>": [ ... ]}.
template <typename T, typename Write>
void respondList(Exchange& ex, const engine::Result<std::vector<T>>& r, const char* name,
                 Write write) {
  if (!r) return ex.sendError(r.error());
  JsonWriter w;
  w.beginObject().beginArray(name);
  for (const auto& item : r.value()) write(w, item);
  w.endArray().endObject();
  ex.sendJson(200, w.str());
}

}  // namespace keywarden::api
