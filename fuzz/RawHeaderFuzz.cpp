// libFuzzer target: api::RawHeaderCheck, which reads the raw bytes of a request head before
// Poco does (RFC 9112 §5: obs-fold, bare LF, colonless lines, encoded words).
#include <cstdint>
#include <cstdlib>

#include "api/RawHeaderCheck.h"

using keywarden::api::RawHeaderCheck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)RawHeaderCheck::check(reinterpret_cast<const char*>(data), size);
  return 0;
}
