#include "engine/crypto/KeyDigest.h"

#include "engine/crypto/Crypto.h"

namespace keywarden::engine {

KeyDigest KeyDigest::of(std::string_view key) {
  KeyDigest d;
  Crypto::sha256(key, d.bytes.data());
  return d;
}

namespace {
int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool KeyDigest::fromHex(std::string_view hex, KeyDigest& out) {
  if (hex.size() != 64) return false;
  KeyDigest d;
  for (size_t i = 0; i < 32; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    d.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  out = d;
  return true;
}

std::string KeyDigest::hex() const {
  return Crypto::toHex(bytes.data(), bytes.size());
}

}  // namespace keywarden::engine
