#include "engine/notices/LinkSigner.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "engine/base/Ids.h"
#include "engine/crypto/Base64Url.h"
#include "engine/crypto/Crypto.h"

namespace keywarden::engine {

namespace {
// Splits on '|' (fields never contain it: ids, e-mail addresses and numbers).
std::vector<std::string> fields(const std::string& s) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == '|')
      out.emplace_back();
    else
      out.back().push_back(c);
  }
  return out;
}
}  // namespace

LinkSigner::LinkSigner(const std::string& masterSecret, int64_t lifetimeMs)
    : _key(Crypto::deriveKey(masterSecret, "approval-links")), _lifetimeMs(lifetimeMs) {}

std::string LinkSigner::sign(const std::string& payload) const {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), _key.data(), static_cast<int>(_key.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

std::string LinkSigner::issue(Transaction& tx, const std::string& applicationId,
                              const std::string& approver, int level, int64_t now) const {
  std::string id = Ids::make("lnk");
  int64_t expires = now + _lifetimeMs;
  std::string payload = "v1|" + id + "|" + applicationId + "|" + approver + "|" +
                        std::to_string(level) + "|" + std::to_string(expires);
  tx.outbox().insertLink(id, applicationId, approver, level, expires, now);
  return Base64Url::encode(payload) + "." + Base64Url::encode(sign(payload));
}

LinkSigner::Check LinkSigner::check(const std::string& token, int64_t now, LinkClaims& out) const {
  if (token.size() > 1024) return Check::Forged;
  size_t dot = token.find('.');
  if (dot == std::string::npos) return Check::Forged;
  auto payload = Base64Url::decode(token.substr(0, dot));
  auto mac = Base64Url::decode(token.substr(dot + 1));
  if (!payload || !mac || !Crypto::constantTimeEquals(*mac, sign(*payload))) return Check::Forged;
  auto f = fields(*payload);
  if (f.size() != 6 || f[0] != "v1") return Check::Forged;
  try {
    out = LinkClaims{f[1], f[2], f[3], std::stoi(f[4]), std::stoll(f[5])};
  } catch (const std::exception&) {
    return Check::Forged;
  }
  return now >= out.expiresAt ? Check::Expired : Check::Valid;
}

}  // namespace keywarden::engine
