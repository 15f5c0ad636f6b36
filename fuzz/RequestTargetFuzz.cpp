// libFuzzer target: engine::RequestTarget, the gate's one rule for the call a gateway forwards
// (a raw request target and a method). Invariants beyond "no crash": an accepted path is normal
// (RequestTarget::isNormal) and parsing it again accepts it unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/text/RequestTarget.h"

using keywarden::engine::RequestTarget;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t cut = in.find('\n');  // "METHOD\nTARGET", or only a target
  std::string_view method = cut == std::string_view::npos ? "GET" : in.substr(0, cut);
  std::string_view target = cut == std::string_view::npos ? in : in.substr(cut + 1);
  RequestTarget t;
  bool ok = t.checkMethod(method) && t.parse(target);
  if (ok != t.ok()) std::abort();
  if (!ok) return 0;
  std::string path(t.path());
  if (!RequestTarget::isNormal(path)) std::abort();
  RequestTarget again;
  if (!again.parse(path) || again.path() != path) std::abort();
  return 0;
}
