#pragma once

#include <optional>
#include <string>

namespace keywarden::engine {

// Authenticated encryption (AES-256-GCM, OpenSSL EVP) under a key derived from the master
// secret for one purpose, so a value sealed for one use cannot be opened as another.
// Output: hex of 12-byte nonce || ciphertext || 16-byte tag. Thread-safe.
class SecretBox {
 public:
  SecretBox(const std::string& masterSecret, const std::string& purpose);
  std::string seal(const std::string& plaintext) const;
  // nullopt when `sealed` was altered, truncated or sealed under another key.
  std::optional<std::string> open(const std::string& sealed) const;

 private:
  unsigned char _key[32];
};

}  // namespace keywarden::engine
