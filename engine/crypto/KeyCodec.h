#pragma once

#include <string>
#include <string_view>

#include "engine/crypto/KeyDigest.h"

namespace keywarden::engine {

// A freshly minted key. `plaintext` leaves the process once (response or e-mail) and is never
// stored or logged; `digest` and `start` are what the store keeps.
struct MintedKey {
  std::string plaintext;
  KeyDigest digest;
  std::string start;
};

// The key format of contract §3: `<prefix>_<payload>`, payload = 43 base62 characters from the
// CSPRNG (256 bits) followed by the 6-character base62 CRC-32 of those 43 characters.
class KeyCodec {
 public:
  static constexpr size_t kRandomChars = 43;
  static constexpr size_t kChecksumChars = 6;
  static constexpr size_t kMaxPrefix = 16;

  // REQUIRES: isValidPrefix(prefix).
  static MintedKey mint(const std::string& prefix);
  // True when `key` has the shape of a key and its checksum holds. Allocates nothing.
  static bool wellFormed(std::string_view key);
  // Display form: prefix, '_' and the first 4 payload characters.
  static std::string startOf(std::string_view key);
  static bool isValidPrefix(std::string_view prefix);
};

}  // namespace keywarden::engine
