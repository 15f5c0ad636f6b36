// libFuzzer target: engine::Rfc3339 and engine::Duration, the parsers of every date and
// duration in requests, flows and settings. Invariants: what parses formats back to text that
// parses to the same instant or length.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/base/Duration.h"
#include "engine/base/Rfc3339.h"

using keywarden::engine::Duration;
using keywarden::engine::Rfc3339;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string why;
  if (auto ms = Rfc3339::parse(text, &why)) {
    auto again = Rfc3339::parse(Rfc3339::format(*ms));
    if (!again || *again != *ms) std::abort();
  } else if (why.empty()) {
    std::abort();  // every refusal says why
  }
  if (auto ms = Duration::parseMs(text)) {
    auto again = Duration::parseMs(Duration::format(*ms));
    if (!again || *again != *ms) std::abort();
  }
  return 0;
}
