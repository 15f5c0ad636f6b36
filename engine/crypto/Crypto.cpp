#include "engine/crypto/Crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace keywarden::engine {

namespace {
constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
}

void Crypto::randomBytes(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

std::string Crypto::randomBase62(size_t n) {
  std::string s;
  s.reserve(n);
  uint8_t buf[64];
  while (s.size() < n) {
    randomBytes(buf, sizeof buf);
    for (uint8_t b : buf) {
      // 248 = 4 * 62: values at or above it would bias the first characters.
      if (b >= 248) continue;
      s.push_back(kAlphabet[b % 62]);
      if (s.size() == n) break;
    }
  }
  return s;
}

void Crypto::sha256(std::string_view data, uint8_t out[32]) {
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
}

std::string Crypto::sha256Hex(std::string_view data) {
  uint8_t d[32];
  sha256(data, d);
  return toHex(d, sizeof d);
}

std::string Crypto::deriveKey(std::string_view masterSecret, std::string_view purpose) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::string info = "keywarden:" + std::string(purpose);
  HMAC(EVP_sha256(), masterSecret.data(), static_cast<int>(masterSecret.size()),
       reinterpret_cast<const unsigned char*>(info.data()), info.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool Crypto::constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Crypto::toHex(const uint8_t* data, size_t n) {
  static const char* hex = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = hex[data[i] >> 4];
    s[2 * i + 1] = hex[data[i] & 0xF];
  }
  return s;
}

}  // namespace keywarden::engine
