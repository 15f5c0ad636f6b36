#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace keywarden::engine {

// Thin wrappers over OpenSSL used wherever secrets are made, stored or compared.
class Crypto {
 public:
  // Fills `out` with `n` bytes from OpenSSL's CSPRNG. Throws std::runtime_error if it fails.
  static void randomBytes(uint8_t* out, size_t n);
  // `n` characters drawn uniformly from [0-9A-Za-z] (rejection sampling, no modulo bias).
  static std::string randomBase62(size_t n);
  // SHA-256 of `data` as 64 lower-case hex characters.
  static std::string sha256Hex(std::string_view data);
  // SHA-256 of `data` into `out` (32 bytes).
  static void sha256(std::string_view data, uint8_t out[32]);
  // A 32-byte key for one purpose, derived from the master secret (HMAC-SHA256 of
  // "keywarden:<purpose>"), so a key for one use never serves another.
  static std::string deriveKey(std::string_view masterSecret, std::string_view purpose);
  // Compares in time that depends only on the lengths, never on the contents.
  static bool constantTimeEquals(std::string_view a, std::string_view b);
  static std::string toHex(const uint8_t* data, size_t n);
};

}  // namespace keywarden::engine
