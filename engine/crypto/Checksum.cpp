#include "engine/crypto/Checksum.h"

#include <array>

namespace keywarden::engine {

namespace {
constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::array<uint32_t, 256> makeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
const std::array<uint32_t, 256> kTable = makeTable();
}  // namespace

uint32_t Checksum::crc32(std::string_view data) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = kTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void Checksum::base62Into(uint32_t value, char out[6]) {
  uint64_t v = value;
  for (int i = 5; i >= 0; --i) {
    out[i] = kAlphabet[v % 62];
    v /= 62;
  }
}

std::string Checksum::base62Of(uint32_t value) {
  std::string s(6, '0');
  base62Into(value, s.data());
  return s;
}

}  // namespace keywarden::engine
