#include "engine/crypto/KeyDigest.h"

#include "engine/crypto/Crypto.h"

namespace keywarden::engine {

KeyDigest KeyDigest::of(std::string_view key) {
  KeyDigest d;
  Crypto::sha256(key, d.bytes.data());
  return d;
}

namespace {
// Hex digit values; 0x10 marks a character that is not one. A table, not branches: a start-up
// decodes a million digests.
struct NibbleTable {
  uint8_t v[256];
  constexpr NibbleTable() : v() {
    for (int c = 0; c < 256; ++c)
      v[c] = c >= '0' && c <= '9'   ? static_cast<uint8_t>(c - '0')
             : c >= 'a' && c <= 'f' ? static_cast<uint8_t>(c - 'a' + 10)
             : c >= 'A' && c <= 'F' ? static_cast<uint8_t>(c - 'A' + 10)
                                    : 0x10;
  }
};
constexpr NibbleTable kNibbles;
}  // namespace

bool KeyDigest::fromHex(std::string_view hex, KeyDigest& out) {
  if (hex.size() != 64) return false;
  KeyDigest d;
  uint8_t bad = 0;
  for (size_t i = 0; i < 32; ++i) {
    uint8_t hi = kNibbles.v[static_cast<uint8_t>(hex[2 * i])];
    uint8_t lo = kNibbles.v[static_cast<uint8_t>(hex[2 * i + 1])];
    bad |= hi | lo;
    d.bytes[i] = static_cast<uint8_t>(hi << 4 | (lo & 0x0F));
  }
  if (bad & 0x10) return false;
  out = d;
  return true;
}

std::string KeyDigest::hex() const {
  return Crypto::toHex(bytes.data(), bytes.size());
}

}  // namespace keywarden::engine
