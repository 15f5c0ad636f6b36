// libFuzzer target: the parsers of secrets a stranger can present — an API key
// (engine::KeyCodec) and an approver link token (engine::LinkSigner::check). Invariants: a
// random string is never a valid link; a well-formed key's start is a prefix of it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/crypto/KeyCodec.h"
#include "engine/notices/LinkSigner.h"

using namespace keywarden::engine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);
  if (KeyCodec::wellFormed(s)) {
    std::string start = KeyCodec::startOf(s);
    if (start.empty() || s.compare(0, start.size(), start) != 0) std::abort();
  }
  (void)KeyCodec::isValidPrefix(s);
  static const LinkSigner signer("0123456789abcdef0123456789abcdef", 3600000);
  LinkClaims claims;
  if (signer.check(s, 1795219200000, claims) == LinkSigner::Check::Valid) std::abort();
  return 0;
}
