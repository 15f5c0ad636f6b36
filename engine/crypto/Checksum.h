#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace keywarden::engine {

// CRC-32 (IEEE 802.3, as zlib) and its fixed-width base62 form used as a key's checksum.
class Checksum {
 public:
  static uint32_t crc32(std::string_view data);
  // Six base62 characters, most significant first (62^6 > 2^32, so every CRC fits).
  static std::string base62Of(uint32_t value);
  // Writes the six characters into `out`; no allocation (used on the check path).
  static void base62Into(uint32_t value, char out[6]);
};

}  // namespace keywarden::engine
