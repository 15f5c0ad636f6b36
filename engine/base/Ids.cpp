#include "engine/base/Ids.h"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "engine/crypto/Crypto.h"

namespace keywarden::engine {

namespace {
// Adds one to a base62 number written with Ids' alphabet; false when it was all 'z' (it
// wrapped to all '0').
bool incrementBase62(std::string& digits) {
  for (size_t i = digits.size(); i-- > 0;) {
    char& c = digits[i];
    if (c == 'z') {
      c = '0';
      continue;
    }
    c = c == '9' ? 'A' : c == 'Z' ? 'a' : static_cast<char>(c + 1);
    return true;
  }
  return false;
}
}  // namespace

std::string Ids::make(std::string_view kind) {
  // 8 base62 digits of the wall-clock millisecond, most significant first (the alphabet is in
  // ASCII order, so ids sort by creation time), then 12 random ones (71 bits). New rows land
  // at the end of the primary-key B-tree instead of on a random page: a sweep writing 100 000
  // audit rows spent half its time on random index pages before. Within one millisecond (and
  // if the clock steps back) the process's ids stay in creation order as ULIDs do: the random
  // part of the previous id plus one — a list ordered by (created_at, id) showed two mails of
  // the same millisecond in either order.
  static constexpr char kDigits[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  static std::mutex mu;
  static uint64_t lastMs = 0;
  static std::string lastRandom;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  uint64_t t = ms > 0 ? static_cast<uint64_t>(ms) : 0;
  std::string random;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (t <= lastMs && !incrementBase62(lastRandom)) t = lastMs + 1;  // 62^12 ids in one ms
    if (t > lastMs) {
      lastMs = t;
      lastRandom = Crypto::randomBase62(12);
    }
    t = lastMs;
    random = lastRandom;
  }
  std::string out(kind);
  out.reserve(kind.size() + 21);
  out.push_back('_');
  char stamp[8];
  for (int i = 7; i >= 0; --i) {
    stamp[i] = kDigits[t % 62];
    t /= 62;
  }
  out.append(stamp, 8);
  out += random;
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
