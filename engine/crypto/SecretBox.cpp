#include "engine/crypto/SecretBox.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include <cstdio>
#include <cstring>
#include "engine/crypto/Crypto.h"

namespace keywarden::engine {

namespace {
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
constexpr size_t kNonce = 12, kTag = 16;
}  // namespace

SecretBox::SecretBox(const std::string& masterSecret, const std::string& purpose) {
  std::string key = Crypto::deriveKey(masterSecret, purpose);
  std::memcpy(_key, key.data(), sizeof _key);
}

std::string SecretBox::seal(const std::string& plaintext) const {
  std::vector<unsigned char> out(kNonce + plaintext.size() + kTag);
  Crypto::randomBytes(out.data(), kNonce);
  Ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, _key, out.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data() + kNonce, &n,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + kNonce + n, &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag,
                          out.data() + kNonce + plaintext.size()) != 1)
    throw std::runtime_error("AES-256-GCM encryption failed");
  return Crypto::toHex(out.data(), out.size());
}

std::optional<std::string> SecretBox::open(const std::string& sealed) const {
  if (sealed.size() % 2 || sealed.size() < 2 * (kNonce + kTag)) return std::nullopt;
  std::vector<unsigned char> in(sealed.size() / 2);
  for (size_t i = 0; i < in.size(); ++i) {
    unsigned v = 0;
    if (sscanf(sealed.c_str() + 2 * i, "%2x", &v) != 1) return std::nullopt;
    in[i] = static_cast<unsigned char>(v);
  }
  size_t textLen = in.size() - kNonce - kTag;
  std::string out(textLen, '\0');
  Ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, _key, in.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n,
                        in.data() + kNonce, static_cast<int>(textLen)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, in.data() + kNonce + textLen) !=
          1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + n, &n) != 1)
    return std::nullopt;
  return out;
}

}  // namespace keywarden::engine
