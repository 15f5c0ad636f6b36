#include "api/IpAddress.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace keywarden::api {

namespace {
bool mappedV4(const uint8_t* b) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(b, prefix, 12) == 0;
}

bool fromV6(const uint8_t* b, IpAddress& out) {
  if (mappedV4(b)) {
    out.family = 4;
    std::memcpy(out.bytes, b + 12, 4);
  } else {
    out.family = 6;
    std::memcpy(out.bytes, b, 16);
  }
  return true;
}
}  // namespace

bool IpAddress::parse(std::string_view text, IpAddress& out) {
  out = IpAddress();
  if (text.empty() || text.size() > 64) return false;
  char buf[65];
  if (text.front() == '[') {  // [v6] or [v6]:port
    size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return false;
      for (char c : rest.substr(1))
        if (c < '0' || c > '9') return false;
    }
    text = text.substr(1, close - 1);
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    uint8_t b[16];
    if (inet_pton(AF_INET6, buf, b) != 1) return false;
    return fromV6(b, out);
  }
  size_t colons = 0;
  for (char c : text) colons += c == ':';
  if (colons == 1) {  // v4:port
    std::string_view port = text.substr(text.find(':') + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port)
      if (c < '0' || c > '9') return false;
    text = text.substr(0, text.find(':'));
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (colons <= 1) {
    if (inet_pton(AF_INET, buf, out.bytes) != 1) return false;
    out.family = 4;
    return true;
  }
  uint8_t b[16];
  if (inet_pton(AF_INET6, buf, b) != 1) return false;
  return fromV6(b, out);
}

IpAddress IpAddress::of(const sockaddr* sa) {
  IpAddress a;
  if (!sa) return a;
  if (sa->sa_family == AF_INET) {
    a.family = 4;
    std::memcpy(a.bytes, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
  } else if (sa->sa_family == AF_INET6) {
    fromV6(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr.s6_addr, a);
  }
  return a;
}

void IpAddress::attemptKey(engine::AttemptKey& out) const {
  char buf[INET6_ADDRSTRLEN + 4] = {};
  if (family == 4) {
    inet_ntop(AF_INET, bytes, buf, sizeof buf);
  } else if (family == 6) {
    uint8_t net[16] = {};
    std::memcpy(net, bytes, 8);
    inet_ntop(AF_INET6, net, buf, INET6_ADDRSTRLEN);
    std::strcat(buf, "/64");
  }
  out.set(buf);
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 4) inet_ntop(AF_INET, bytes, buf, sizeof buf);
  if (family == 6) inet_ntop(AF_INET6, bytes, buf, sizeof buf);
  return buf;
}

bool IpNetwork::parse(std::string_view text, IpNetwork& out, std::string& why) {
  out = IpNetwork();
  why = "'" + std::string(text) + "' is not an IP address or network such as 10.0.0.0/8";
  size_t slash = text.find('/');
  std::string_view addr = text.substr(0, slash);
  size_t colons = 0;
  for (char c : addr) colons += c == ':';
  // A bare address before the slash: no brackets, no port.
  if (addr.empty() || addr.front() == '[' || colons == 1) return false;
  if (!IpAddress::parse(addr, out.base)) return false;
  const int max = colons > 0 ? 128 : 32;
  out.bits = max;
  if (slash != std::string_view::npos) {
    std::string_view b = text.substr(slash + 1);
    if (b.empty() || b.size() > 3) return false;
    int n = 0;
    for (char c : b) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + (c - '0');
    }
    if (n > max) {
      why = "'" + std::string(text) + "': the prefix length is at most " + std::to_string(max);
      return false;
    }
    out.bits = n;
  }
  // An IPv4-mapped IPv6 network (::ffff:10.0.0.0/104) is its IPv4 network.
  if (max == 128 && out.base.family == 4) out.bits = out.bits >= 96 ? out.bits - 96 : 0;
  why.clear();
  return true;
}

bool IpNetwork::contains(const IpAddress& a) const {
  if (a.family == 0 || a.family != base.family) return false;
  int full = bits / 8, rest = bits % 8;
  if (std::memcmp(a.bytes, base.bytes, static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a.bytes[full] & mask) == (base.bytes[full] & mask);
}

}  // namespace keywarden::api
