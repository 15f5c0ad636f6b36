// libFuzzer target: engine::StrictJson, the reader of every JSON request body (duplicate keys,
// depth, UTF-8 and number rules). Invariant: it answers a value or an error, never both or none.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/text/StrictJson.h"

using keywarden::engine::StrictJson;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = StrictJson::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parsed.error && parsed.error->message.empty()) std::abort();
  return 0;
}
