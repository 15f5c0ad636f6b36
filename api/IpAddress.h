#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/abuse/AttemptKey.h"

namespace keywarden::api {

// An IPv4 or IPv6 address as 4 or 16 bytes, read from text or a socket address without
// allocating. An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is its IPv4 address.
struct IpAddress {
  int family = 0;  // 0 (none), 4 or 6
  uint8_t bytes[16] = {};

  // "192.0.2.1", "2001:db8::1", "[2001:db8::1]", and either with a port ("192.0.2.1:443",
  // "[2001:db8::1]:443", as some proxies write X-Forwarded-For). No zone ids. False otherwise.
  static bool parse(std::string_view text, IpAddress& out);
  // The address of an AF_INET or AF_INET6 socket address; family 0 for anything else.
  static IpAddress of(const sockaddr* sa);

  // The key failed attempts are counted under: the address's canonical text, an IPv6 address
  // as its /64 network ("2001:db8:1:2::/64": one subscriber holds a whole /64).
  void attemptKey(engine::AttemptKey& out) const;
  std::string toString() const;
};

// A network in CIDR notation ("10.0.0.0/8", "2001:db8::/32"); a bare address is its /32 or
// /128. What abuse.trustedProxies holds.
struct IpNetwork {
  IpAddress base;
  int bits = 0;
  // False with `why` set when `text` is not an address or network.
  static bool parse(std::string_view text, IpNetwork& out, std::string& why);
  bool contains(const IpAddress& a) const;
};

}  // namespace keywarden::api
