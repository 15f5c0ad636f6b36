#include "engine/crypto/KeyCodec.h"

#include <cstring>

#include "engine/crypto/Checksum.h"
#include "engine/crypto/Crypto.h"

namespace keywarden::engine {

namespace {
bool isBase62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
}  // namespace

bool KeyCodec::isValidPrefix(std::string_view p) {
  if (p.empty() || p.size() > kMaxPrefix) return false;
  for (char c : p)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

MintedKey KeyCodec::mint(const std::string& prefix) {
  std::string random = Crypto::randomBase62(kRandomChars);
  std::string key = prefix + "_" + random + Checksum::base62Of(Checksum::crc32(random));
  MintedKey m;
  m.digest = KeyDigest::of(key);
  m.start = startOf(key);
  m.plaintext = std::move(key);
  return m;
}

bool KeyCodec::wellFormed(std::string_view key) {
  constexpr size_t payload = kRandomChars + kChecksumChars;
  if (key.size() < payload + 2 || key.size() > payload + 1 + kMaxPrefix) return false;
  size_t sep = key.size() - payload - 1;
  if (key[sep] != '_' || !isValidPrefix(key.substr(0, sep))) return false;
  std::string_view body = key.substr(sep + 1);
  for (char c : body)
    if (!isBase62(c)) return false;
  char expected[kChecksumChars];
  Checksum::base62Into(Checksum::crc32(body.substr(0, kRandomChars)), expected);
  return std::memcmp(expected, body.data() + kRandomChars, kChecksumChars) == 0;
}

std::string KeyCodec::startOf(std::string_view key) {
  size_t sep = key.rfind('_');
  if (sep == std::string_view::npos) return std::string(key.substr(0, 4));
  return std::string(key.substr(0, std::min(key.size(), sep + 5)));
}

}  // namespace keywarden::engine
