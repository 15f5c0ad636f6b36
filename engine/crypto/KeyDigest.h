#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace keywarden::engine {

// The SHA-256 of a key, the only form in which a key is kept. Trivially copyable so the
// in-memory index can hold millions of them without per-entry allocation.
struct KeyDigest {
  std::array<uint8_t, 32> bytes{};

  static KeyDigest of(std::string_view key);
  // Parses 64 hex characters; returns false (and leaves `out` untouched) on anything else.
  static bool fromHex(std::string_view hex, KeyDigest& out);
  std::string hex() const;

  bool operator==(const KeyDigest& o) const { return bytes == o.bytes; }
};

// SHA-256 output is uniform: its first 8 bytes are a perfectly good hash.
struct KeyDigestHash {
  size_t operator()(const KeyDigest& d) const noexcept {
    size_t h;
    std::memcpy(&h, d.bytes.data(), sizeof h);
    return h;
  }
};

}  // namespace keywarden::engine
