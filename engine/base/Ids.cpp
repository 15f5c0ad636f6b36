#include "engine/base/Ids.h"

#include <chrono>
#include <cstdint>

#include "engine/crypto/Crypto.h"

namespace keywarden::engine {

std::string Ids::make(std::string_view kind) {
  // 8 base62 digits of the wall-clock millisecond, most significant first (the alphabet is in
  // ASCII order, so ids sort by creation time), then 12 random ones (71 bits). New rows land
  // at the end of the primary-key B-tree instead of on a random page: a sweep writing 100 000
  // audit rows spent half its time on random index pages before.
  static constexpr char kDigits[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  uint64_t t = ms > 0 ? static_cast<uint64_t>(ms) : 0;
  std::string out(kind);
  out.reserve(kind.size() + 21);
  out.push_back('_');
  char stamp[8];
  for (int i = 7; i >= 0; --i) {
    stamp[i] = kDigits[t % 62];
    t /= 62;
  }
  out.append(stamp, 8);
  out += Crypto::randomBase62(12);
  return out;
}

const std::string& Ids::instance() {
  static const std::string id = make("ins");
  return id;
}

bool Ids::valid(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool Ids::validTenant(std::string_view t) {
  if (t.empty() || t.size() > 64) return false;
  for (char c : t) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace keywarden::engine
