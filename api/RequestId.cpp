#include "api/RequestId.h"

#include <openssl/rand.h>

#include <atomic>
#include <cstdint>

namespace keywarden::api {

namespace {
thread_local std::string tCurrent;

uint32_t processHalf() {
  static const uint32_t half = [] {
    uint32_t v = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) v = 0x6b770000u;
    return v;
  }();
  return half;
}

std::atomic<uint32_t> counter{0};

void hex8(uint32_t v, std::string& out) {
  static const char* digits = "0123456789abcdef";
  for (int shift = 28; shift >= 0; shift -= 4) out.push_back(digits[(v >> shift) & 15]);
}
}  // namespace

bool RequestId::acceptable(std::string_view given) {
  if (given.empty() || given.size() > 128) return false;
  for (char c : given) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string RequestId::choose(std::string_view given) {
  if (acceptable(given)) return std::string(given);
  std::string id;
  id.reserve(16);
  hex8(processHalf(), id);
  hex8(counter.fetch_add(1, std::memory_order_relaxed), id);
  return id;
}

std::string_view RequestId::chooseInto(std::string_view given, char (&buf)[16]) {
  if (acceptable(given)) return given;
  static const char* digits = "0123456789abcdef";
  const uint32_t halves[2] = {processHalf(), counter.fetch_add(1, std::memory_order_relaxed)};
  for (int h = 0; h < 2; ++h)
    for (int i = 0; i < 8; ++i) buf[h * 8 + i] = digits[(halves[h] >> (28 - 4 * i)) & 15];
  return std::string_view(buf, sizeof buf);
}

RequestId::Borrowed::Borrowed(std::string_view id) {
  if (tCurrent.capacity() < 128) tCurrent.reserve(128);
  tCurrent.assign(id.data(), id.size());
}

RequestId::Borrowed::~Borrowed() {
  tCurrent.clear();
}

const std::string& RequestId::current() {
  return tCurrent;
}

RequestId::Scope::Scope(std::string id) : _previous(std::move(tCurrent)) {
  tCurrent = std::move(id);
}

RequestId::Scope::~Scope() {
  tCurrent = std::move(_previous);
}

}  // namespace keywarden::api
